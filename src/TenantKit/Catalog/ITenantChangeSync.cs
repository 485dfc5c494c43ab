namespace TenantKit.Catalog;

/// <summary>
/// How a distributed change feed (TenantKit.Redis, or one of your own) hands this node the changes other nodes made,
/// and tells it whether it is connected. Registered by <c>AddTenantKit</c>; feeds resolve it from the container.
/// </summary>
/// <remarks>
/// Changes are applied the same way whether they come from a feed or from polling the store's
/// <see cref="ITenantChangeLog"/>: the node skips a change it already has (its cached or loaded copy is at that version
/// or newer: its own change coming back, or one seen through the other path), else it drops its cached copy, re-reads
/// the tenant from the store, and announces the change on its local <see cref="ITenantChangeFeed"/> with
/// <see cref="TenantChange.IsRemote"/> set, so the catalog cache and the runtime reload or unload the tenant.
/// </remarks>
public interface ITenantChangeSync
{
    /// <summary>Applies a change another node announced.</summary>
    /// <param name="notice">The change. Its tenant data is never trusted: the tenant is re-read from the store.</param>
    /// <param name="cancellationToken">Cancels the store read.</param>
    /// <returns>A task that completes when the change is applied (or skipped).</returns>
    /// <exception cref="ArgumentException">The notice is not well formed.</exception>
    /// <exception cref="TenantCatalogUnavailableException">The store could not be read; the change will be caught up by polling.</exception>
    ValueTask ApplyRemoteAsync(TenantChangeNotice notice, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports whether the distributed feed is connected. While it is not, the catalog polls the change log every
    /// <see cref="TenantCatalogOptions.FallbackChangePollInterval"/>; when it connects again, the catalog polls at once
    /// to catch up on what the feed missed, then every <see cref="TenantCatalogOptions.ChangePollInterval"/>.
    /// </summary>
    /// <param name="connected"><see langword="true"/> when the feed is connected.</param>
    void ReportFeedConnected(bool connected);
}
