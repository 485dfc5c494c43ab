using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TenantKit.AspNetCore.Diagnostics;

namespace TenantKit.AspNetCore.OutputCaching;

/// <summary>
/// Keeps output-cached responses per tenant: the tenant id is part of every cache key, so a response cached for tenant A
/// is never served to tenant B (nor to the host). A request that reached the output cache without passing
/// <c>UseTenantKit()</c> (the output cache placed before it) is never stored, so nothing cached without a known tenant
/// can be served to anyone.
/// </summary>
internal sealed class TenantOutputCachePolicy : IOutputCachePolicy
{
    /// <summary>The name of the vary-by value holding the tenant id.</summary>
    public const string VaryByKey = "tenantkit-tenant";

    private const string HostValue = "(host)";
    private const string UnresolvedValue = "(unresolved)";
    private static int s_warned;

    public static TenantOutputCachePolicy Instance { get; } = new();

    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var feature = context.HttpContext.Features.Get<ITenantFeature>();
        string value;
        if (feature is null)
        {
            value = UnresolvedValue;
            if (Interlocked.Exchange(ref s_warned, 1) == 0)
            {
                var logger = context.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("TenantKit.AspNetCore.OutputCache");
                if (logger is not null)
                {
                    AdapterLog.MissingTenantMiddleware(logger, "the output cache", "its response is not cached");
                }
            }
        }
        else
        {
            value = feature.Tenant?.Id ?? HostValue;
        }

        context.CacheVaryByRules.VaryByValues[VaryByKey] = value;
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        // Endpoint policies run after base policies and may enable storage again; this hook runs last for every policy
        // and no built-in policy turns storage back on here.
        if (!context.CacheVaryByRules.VaryByValues.TryGetValue(VaryByKey, out var value) || value == UnresolvedValue)
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }
}
