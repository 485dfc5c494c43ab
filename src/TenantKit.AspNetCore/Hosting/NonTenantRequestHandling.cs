namespace TenantKit.AspNetCore;

/// <summary>What the middleware does with a request that carries no tenant identifier (the bare host name).</summary>
public enum NonTenantRequestHandling
{
    /// <summary>
    /// Serve it with the application's own services and no ambient tenant context. Tenant-owned data stays closed to it
    /// (a data layer that fails closed refuses to query without a tenant); host code opts in with
    /// <see cref="ITenantContextAccessor.BeginHostScope"/>, as the administration endpoints do.
    /// </summary>
    Serve = 0,

    /// <summary>
    /// Serve it inside an ambient host scope (<see cref="ITenantContextAccessor.BeginHostScope"/>): host code, which may act
    /// across tenants. Only for applications whose bare host name is reserved to administrators.
    /// </summary>
    ServeAsHost = 1,

    /// <summary>Refuse it with 404 and the <see cref="TenantProblemTypes.TenantRequired"/> problem, except on endpoints marked <c>RequireHost()</c>.</summary>
    Refuse = 2,
}
