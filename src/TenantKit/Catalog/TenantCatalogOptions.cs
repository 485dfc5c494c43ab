namespace TenantKit.Catalog;

/// <summary>How the catalog cache in front of the tenant store behaves.</summary>
public sealed class TenantCatalogOptions
{
    /// <summary>
    /// How long a cached tenant is served before the next lookup asks the store again. Changes made through
    /// <see cref="ITenantAdministration"/> (or announced on <see cref="ITenantChangeFeed"/>) evict entries at once.
    /// <value>The default is 5 minutes.</value>
    /// </summary>
    public TimeSpan EntryLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long an unknown identifier is remembered as unknown, so a flood of requests for it does not reach the
    /// store. <see cref="TimeSpan.Zero"/> turns the negative cache off. <value>The default is 10 seconds.</value>
    /// </summary>
    public TimeSpan NegativeEntryLifetime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most unknown identifiers remembered at once; past it, unknown identifiers are not cached (a flood of random
    /// sub-domains cannot grow memory without bound). <value>The default is 10,000.</value>
    /// </summary>
    public int MaxNegativeEntries { get; set; } = 10_000;

    /// <summary>
    /// How long past <see cref="EntryLifetime"/> a cached tenant may still be served while the store is failing.
    /// <value>The default is 1 hour.</value>
    /// </summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// While the store is failing, how long a stale entry is served before a lookup tries the store again.
    /// <value>The default is 5 seconds.</value>
    /// </summary>
    public TimeSpan StoreRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the catalog polls the store's <see cref="ITenantChangeLog"/> (when the store has one) for changes
    /// other nodes made, while a distributed change feed is connected or when none is registered.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns polling off. <value>The default is 30 seconds.</value>
    /// </summary>
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the catalog polls the store's <see cref="ITenantChangeLog"/> while a registered distributed change
    /// feed (Redis) is disconnected, so changes still reach this node within about this long.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns polling off while disconnected. <value>The default is 2 seconds.</value>
    /// </summary>
    public TimeSpan FallbackChangePollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
