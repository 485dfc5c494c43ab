using System.Threading.RateLimiting;

namespace TenantKit.RateLimiting;

/// <summary>
/// Makes the rate limiter that enforces one partition's budget (a tenant's, or the host's). Register one to change
/// where budgets are counted: without one, each node counts in its own memory, so a budget of 60 a minute is 60 a
/// minute on every node; <c>TenantKit.Redis</c>'s <c>UseRedisRateLimits</c> counts in Redis, across the cluster.
/// </summary>
public interface ITenantRateLimiterFactory
{
    /// <summary>Makes the limiter of one partition: <paramref name="permitLimit"/> permits per fixed <paramref name="window"/>.</summary>
    /// <param name="partition">The partition: a tenant's id, or a name for requests of no tenant. Stable across nodes.</param>
    /// <param name="permitLimit">Permits per window, 1 or more.</param>
    /// <param name="window">The window, positive.</param>
    /// <param name="queueLimit">How many requests may wait for a permit, when the limiter can queue.</param>
    /// <returns>The limiter; the caller disposes it when the partition is idle.</returns>
    RateLimiter CreateFixedWindow(string partition, int permitLimit, TimeSpan window, int queueLimit);
}
