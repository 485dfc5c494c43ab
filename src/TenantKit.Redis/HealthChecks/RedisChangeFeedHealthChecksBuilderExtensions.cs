using Microsoft.Extensions.Diagnostics.HealthChecks;
using TenantKit.Redis.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Redis change feed's health check.</summary>
public static class RedisChangeFeedHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that is healthy while the node is connected to the Redis change feed, and degraded (with the
    /// reason) while Redis is unreachable and the node relies on polling the catalog. Needs
    /// <c>UseRedisChangeFeed</c>; without it the check is unhealthy and says so.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. <value>The default is <c>tenantkit-change-feed</c>.</value></param>
    /// <param name="tags">Tags for the check (<c>ready</c>, to filter a readiness endpoint).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddTenantKitRedisChangeFeed(this IHealthChecksBuilder builder, string name = "tenantkit-change-feed", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Add(new HealthCheckRegistration(name, sp => ActivatorUtilities.CreateInstance<RedisChangeFeedHealthCheck>(sp), HealthStatus.Degraded, tags?.ToArray() ?? []));
        return builder;
    }
}
