namespace TenantKit.Redis;

/// <summary>Options of the per-tenant rate limits counted in Redis (<c>UseRedisRateLimits</c>).</summary>
public sealed class RedisRateLimitOptions
{
    /// <summary>The StackExchange.Redis configuration string, such as <c>"redis:6379"</c>. Required.</summary>
    public string Configuration { get; set; } = string.Empty;

    /// <summary>
    /// The prefix of the counters' keys: every application sharing a Redis server needs its own.
    /// <value>The default is <c>tenantkit:ratelimit</c>.</value>
    /// </summary>
    public string KeyPrefix { get; set; } = "tenantkit:ratelimit";
}
