namespace TenantKit.Redis;

/// <summary>How the Redis change feed carries catalog changes between nodes.</summary>
public sealed class RedisChangeFeedOptions
{
    /// <summary>
    /// The StackExchange.Redis configuration string ("host:port,password=..."). Set by
    /// <c>UseRedisChangeFeed(configuration)</c>. <c>abortConnect</c> is always turned off: a node starts and serves
    /// while Redis is down, and connects when it comes back.
    /// </summary>
    public string Configuration { get; set; } = string.Empty;

    /// <summary>
    /// The publish/subscribe channel every node of one deployment shares. Use another channel per deployment (staging,
    /// production) sharing one Redis. <value>The default is <c>tenantkit:changes</c>.</value>
    /// </summary>
    public string Channel { get; set; } = "tenantkit:changes";

    /// <summary>
    /// This node's id, sent with every message so the node ignores its own. Unique per process.
    /// <value>The default is a new random id per process.</value>
    /// </summary>
    public string NodeId { get; set; } = Guid.NewGuid().ToString("N");
}
