using TenantKit.Yarp.Failover;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The tenant step of a YARP proxy pipeline.</summary>
public static class TenantAffinityProxyPipelineExtensions
{
    /// <summary>
    /// The proxy pipeline with tenant affinity: reads each request's tenant (a malformed identifier is answered 400
    /// <c>invalid-tenant-identifier</c>), sends a tenant to its region's cluster when <c>RegionOf</c> says so, then runs
    /// YARP's session affinity, load balancing and passive health checks; a request whose destination refuses the
    /// connection is sent to the tenant's next choice and the destination marked unhealthy. Use it as the whole pipeline:
    /// <c>app.MapReverseProxy(proxy => proxy.UseTenantAffinity())</c>.
    /// </summary>
    /// <param name="proxy">The proxy pipeline.</param>
    /// <returns>The pipeline.</returns>
    public static IReverseProxyApplicationBuilder UseTenantAffinity(this IReverseProxyApplicationBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        proxy.UseMiddleware<TenantAffinityMiddleware>();
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
        return proxy;
    }
}
