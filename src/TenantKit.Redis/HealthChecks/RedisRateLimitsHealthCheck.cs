using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TenantKit.Redis.RateLimiting;

namespace TenantKit.Redis.HealthChecks;

/// <summary>Healthy while Redis is connected to count the rate limits; degraded, with the reason, while each node counts its own.</summary>
internal sealed class RedisRateLimitsHealthCheck(IServiceProvider services, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService(typeof(RedisRateLimiterFactory)) is not RedisRateLimiterFactory factory)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Redis rate limits are not registered: call UseRedisRateLimits on the TenantKit builder."));
        }

        if (factory.IsConnected)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Tenants' rate limits are counted in Redis, across the cluster."));
        }

        var (since, reason) = factory.Outage;
        var seconds = since is { } at ? $" for {(time.GetUtcNow() - at).TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s" : string.Empty;
        return Task.FromResult(HealthCheckResult.Degraded(
            $"Redis is not connected for rate limits{seconds} ({reason ?? "connecting"}): each node counts tenants' budgets in its own memory.",
            data: since is { } from ? new Dictionary<string, object> { ["since"] = from } : null));
    }
}
