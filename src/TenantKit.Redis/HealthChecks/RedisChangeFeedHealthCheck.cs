using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TenantKit.Redis.ChangeFeed;

namespace TenantKit.Redis.HealthChecks;

/// <summary>Healthy while the Redis change feed is connected; degraded, with the reason, while the node relies on polling.</summary>
internal sealed class RedisChangeFeedHealthCheck(IServiceProvider services, IOptions<TenantCatalogOptions> catalog, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService(typeof(RedisChangeFeed)) is not RedisChangeFeed feed)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The Redis change feed is not registered: call UseRedisChangeFeed on the TenantKit builder."));
        }

        var data = new Dictionary<string, object> { ["node"] = feed.NodeId };
        if (feed.IsConnected)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Connected to the Redis change feed.", data));
        }

        var (since, reason) = feed.Disconnection;
        var poll = catalog.Value.FallbackChangePollInterval;
        var polling = poll == Timeout.InfiniteTimeSpan
            ? "fallback polling is off, so changes made on other nodes do not reach this node until Redis is back"
            : $"catching up on other nodes' changes by polling the catalog every {poll.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        var elapsed = since is { } s ? $" for {(time.GetUtcNow() - s).TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s" : "";
        if (since is { } at)
        {
            data["disconnectedSince"] = at;
        }

        return Task.FromResult(HealthCheckResult.Degraded(
            $"The Redis change feed is disconnected{elapsed} ({reason ?? "unknown reason"}); {polling}.", data: data));
    }
}
