using TenantKit;
using TenantKit.AspNetCore;

namespace Microsoft.AspNetCore.Http;

/// <summary>Reads the tenant of a request.</summary>
public static class TenantHttpContextExtensions
{
    /// <summary>The tenant the request is served for, or <see langword="null"/> (a host request, or no tenant middleware).</summary>
    /// <param name="context">The request.</param>
    /// <returns>The tenant or <see langword="null"/>.</returns>
    public static TenantInfo? GetTenant(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ITenantFeature>()?.Tenant;
    }

    /// <summary>The tenant the request is served for.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The tenant.</returns>
    /// <exception cref="TenantNotSetException">The request is not served for a tenant.</exception>
    public static TenantInfo GetRequiredTenant(this HttpContext context)
        => context.GetTenant() ?? throw new TenantNotSetException("The request is not served for a tenant: no tenant was resolved for it, or UseTenantKit() is not in the pipeline before this code.");
}
