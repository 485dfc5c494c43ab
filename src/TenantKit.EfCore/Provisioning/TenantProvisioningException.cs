namespace TenantKit.EfCore;

/// <summary>
/// Thrown when a tenant's schema or database could not be created or migrated as the tenant was activated. The
/// tenant runtime reports it inside a <see cref="TenantLoadException"/>: the tenant is not served (never half-ready)
/// and its activation is retried after a back-off.
/// </summary>
public sealed class TenantProvisioningException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="location">Where its data was to be provisioned, or <see langword="null"/> when that could not be worked out.</param>
    /// <param name="innerException">The cause.</param>
    public TenantProvisioningException(TenantInfo tenant, TenantDataLocation? location, Exception innerException)
        : base("tenant-provisioning-failed", $"Provisioning the database of tenant '{tenant?.Identifier}' ({location?.ToString() ?? "location unknown"}) failed: {innerException?.Message}", innerException)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        TenantId = tenant.Id;
        Identifier = tenant.Identifier;
    }

    /// <summary>The tenant's id.</summary>
    public string TenantId { get; }

    /// <summary>The tenant's identifier.</summary>
    public string Identifier { get; }
}
