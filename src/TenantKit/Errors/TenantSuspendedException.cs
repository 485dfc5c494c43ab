namespace TenantKit;

/// <summary>Thrown when work is asked of a tenant that the host has suspended.</summary>
public sealed class TenantSuspendedException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="tenant">The suspended tenant.</param>
    internal TenantSuspendedException(TenantInfo tenant)
        : base("tenant-suspended", $"Tenant '{tenant?.Identifier}' is suspended.")
    {
        Tenant = tenant!;
    }

    /// <summary>The suspended tenant.</summary>
    public TenantInfo Tenant { get; }
}
