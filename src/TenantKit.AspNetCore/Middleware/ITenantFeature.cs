namespace TenantKit.AspNetCore;

/// <summary>
/// The tenant of the current request, as <c>UseTenantKit()</c> decided it; read it with
/// <c>HttpContext.GetTenant()</c>. The feature is present on every request the middleware saw, with a
/// <see langword="null"/> <see cref="Tenant"/> for host requests and endpoints excluded from resolution; the output
/// cache and rate limiter of this package treat its absence (a middleware placed before <c>UseTenantKit()</c>) as an
/// error and fail closed.
/// </summary>
public interface ITenantFeature
{
    /// <summary>The tenant served, or <see langword="null"/> when the request is not a tenant's.</summary>
    TenantInfo? Tenant { get; }
}
