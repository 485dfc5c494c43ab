namespace TenantKit.Catalog;

/// <summary>
/// The catalog's change log: a version stamp that grows with every change, and the changes after a given version. A
/// store that several nodes share implements it (the EF Core store does), so each node can catch up on changes whose
/// messages it missed (a distributed feed that was down, a node that was restarting). When the registered
/// <see cref="ITenantStore"/> implements it, the catalog polls it every <see cref="TenantCatalogOptions.ChangePollInterval"/>
/// (<see cref="TenantCatalogOptions.FallbackChangePollInterval"/> while a distributed feed is disconnected).
/// </summary>
/// <remarks>
/// Versions must become visible in commit order: once a reader has seen version <c>n</c>, no change with a version
/// below <c>n</c> may appear later, or a poller reading "after <c>n</c>" would miss it. A log that has forgotten old
/// changes (pruned) answers a read from before them with <see cref="TenantChangeLogPage.IsTruncated"/>; the node then
/// drops every cached tenant and re-reads the tenants it holds in memory.
/// </remarks>
public interface ITenantChangeLog
{
    /// <summary>Reads the current version: the version of the last committed change, or 0 when there is none.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The current version.</returns>
    ValueTask<long> GetVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the changes committed after <paramref name="afterVersion"/>, oldest first.</summary>
    /// <param name="afterVersion">The last version the caller has seen (0 for the beginning).</param>
    /// <param name="maxCount">The most changes to return (1 or more).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>
    /// Up to <paramref name="maxCount"/> changes, and the version to read from next. When as many changes as
    /// <paramref name="maxCount"/> came back, more may follow: read again from <see cref="TenantChangeLogPage.Version"/>.
    /// </returns>
    ValueTask<TenantChangeLogPage> ReadChangesAsync(long afterVersion, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a reload request (<see cref="TenantChangeKind.ReloadRequested"/>), which changes no tenant data, so that
    /// nodes that miss its message still rebuild the tenant. Adds, updates and deletes are recorded by the store itself,
    /// in the same transaction as the write.
    /// </summary>
    /// <param name="tenant">The tenant whose reload was requested.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the request is recorded.</returns>
    ValueTask AppendReloadAsync(TenantInfo tenant, CancellationToken cancellationToken = default);
}
