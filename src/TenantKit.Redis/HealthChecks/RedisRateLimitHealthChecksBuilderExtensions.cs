using Microsoft.Extensions.Diagnostics.HealthChecks;
using TenantKit.Redis.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Reports whether tenants' rate limits are counted in Redis or, while it does not answer, per node.</summary>
public static class RedisRateLimitHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that is healthy while Redis counts tenants' rate limits (<c>UseRedisRateLimits</c>) and degraded,
    /// saying since when and why, while each node falls back to counting budgets in its own memory.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <returns>The same builder.</returns>
    public static IHealthChecksBuilder AddTenantKitRedisRateLimits(this IHealthChecksBuilder builder, string name = "tenantkit-rate-limits", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Add(new HealthCheckRegistration(name, sp => ActivatorUtilities.CreateInstance<RedisRateLimitsHealthCheck>(sp), HealthStatus.Degraded, tags?.ToArray() ?? []));
        return builder;
    }
}
