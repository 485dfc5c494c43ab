using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.RateLimiting;
using TenantKit.Redis;
using TenantKit.Redis.RateLimiting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Counts per-tenant rate limits in Redis, so a tenant's budget holds across every node of a cluster.</summary>
public static class RedisRateLimitBuilderExtensions
{
    /// <summary>
    /// Counts each tenant's rate-limit budget (<c>AddTenantLimiter</c> in <c>TenantKit.AspNetCore</c>) in Redis: a
    /// budget of 60 requests a minute is 60 a minute over the whole cluster, not 60 on each node. Windows are fixed and
    /// aligned on Redis's own clock, so nodes whose clocks differ still share one window. While Redis is unreachable
    /// each node falls back to counting in its own memory (per-node budgets), logs it once (event 6101) and reports it
    /// in health (<c>AddTenantKitRedisRateLimits</c>); when Redis answers again it counts there again. Requests do not
    /// queue for a permit in Redis: a budget's <c>QueueLimit</c> applies only while falling back.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string, such as <c>"redis:6379"</c>.</param>
    /// <param name="configure">Changes the options (key prefix).</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder UseRedisRateLimits(this TenantKitBuilder builder, string configuration, Action<RedisRateLimitOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var services = builder.Services;
        services.AddOptions<RedisRateLimitOptions>()
            .Configure(o =>
            {
                o.Configuration = configuration;
                configure?.Invoke(o);
            })
            .Validate(o => !string.IsNullOrWhiteSpace(o.Configuration) && !string.IsNullOrWhiteSpace(o.KeyPrefix), "RedisRateLimitOptions.Configuration and KeyPrefix must not be empty.")
            .ValidateOnStart();
        services.TryAddSingleton<RedisRateLimiterFactory>();
        services.Replace(ServiceDescriptor.Singleton<ITenantRateLimiterFactory>(sp => sp.GetRequiredService<RedisRateLimiterFactory>()));
        return builder;
    }
}
