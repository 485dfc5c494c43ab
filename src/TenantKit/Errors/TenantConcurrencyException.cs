namespace TenantKit;

/// <summary>
/// Thrown when a tenant is changed or deleted with a version stamp that is no longer current: someone else changed
/// it first. Read the tenant again and retry with its new <see cref="TenantInfo.Version"/>.
/// </summary>
public sealed class TenantConcurrencyException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="tenantId">The tenant's id.</param>
    /// <param name="expectedVersion">The version the caller sent.</param>
    /// <param name="actualVersion">The version the store holds.</param>
    public TenantConcurrencyException(string tenantId, long expectedVersion, long actualVersion)
        : base("tenant-version-conflict", $"Tenant '{tenantId}' was changed by someone else: expected version {expectedVersion}, the store has {actualVersion}.")
    {
        TenantId = tenantId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>The tenant's id.</summary>
    public string TenantId { get; }

    /// <summary>The version the caller sent.</summary>
    public long ExpectedVersion { get; }

    /// <summary>The version the store holds.</summary>
    public long ActualVersion { get; }
}
