namespace TenantKit;

/// <summary>
/// Who the current code is serving: one tenant (with, inside the runtime, that tenant's services), or the host
/// (the super tenant), which alone may administer tenants and read across them. Immutable.
/// </summary>
public sealed class TenantContext
{
    private TenantContext(TenantInfo? tenant, IServiceProvider? services)
    {
        Tenant = tenant;
        Services = services;
    }

    /// <summary>The host context, with no tenant services.</summary>
    internal static TenantContext Host { get; } = new(null, null);

    /// <summary>The tenant served, or <see langword="null"/> in the host context.</summary>
    public TenantInfo? Tenant { get; }

    /// <summary><see langword="true"/> in an explicit host scope.</summary>
    [MemberNotNullWhen(false, nameof(Tenant))]
    public bool IsHost => Tenant is null;

    /// <summary>The tenant's scoped services when the code runs inside the tenant's container, else <see langword="null"/>.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>Creates the context of a tenant.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="services">The tenant's (scoped) services, if the code runs inside its container.</param>
    /// <returns>The context.</returns>
    internal static TenantContext ForTenant(TenantInfo tenant, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new(tenant, services);
    }

    /// <summary>Creates a host context whose services are <paramref name="services"/>.</summary>
    /// <param name="services">The host's (scoped) services.</param>
    /// <returns>The context.</returns>
    internal static TenantContext ForHost(IServiceProvider? services) => services is null ? Host : new(null, services);

    /// <inheritdoc />
    public override string ToString() => IsHost ? "host" : $"tenant {Tenant.Identifier}";
}
