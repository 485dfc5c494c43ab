using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TenantKit.Runtime;

namespace TenantKit.Catalog;

/// <summary>
/// Applies change notices to this node, for <see cref="TenantChangeSync"/>: tells a notice the node already has from
/// one it must apply, applies it (drops the cached copies, re-reads the tenant from the store and announces the
/// change locally as remote, so the catalog cache and the runtime react as to a local change), and resynchronises
/// everything when the node cannot know what it missed. It also counts reloads this node made, which the change log
/// lists again: a reload changes no version, so only a count tells the log's entry for it from another node's.
/// </summary>
internal sealed class TenantChangeApplier
{
    private const int MaxReloadTokens = 10_000;

    private readonly CachingTenantCatalog _catalog;
    private readonly TenantRuntime _runtime;
    private readonly ITenantChangeFeed _feed;
    private readonly ILogger _logger;
    private readonly bool _tracksReloads;

    /// <summary>Reloads this node has done (or asked for) per tenant and version that the change log will list again.</summary>
    private readonly ConcurrentDictionary<(string TenantId, long Version), int> _reloadTokens = new();

    /// <summary>Creates the applier of one change sync.</summary>
    /// <param name="catalog">The catalog cache.</param>
    /// <param name="runtime">The runtime holding the loaded tenants.</param>
    /// <param name="feed">The local change feed changes are announced on.</param>
    /// <param name="logger">The change sync's logger.</param>
    /// <param name="tracksReloads">Whether a change log will list this node's reloads again (the store has one).</param>
    public TenantChangeApplier(CachingTenantCatalog catalog, TenantRuntime runtime, ITenantChangeFeed feed, ILogger logger, bool tracksReloads)
    {
        _catalog = catalog;
        _runtime = runtime;
        _feed = feed;
        _logger = logger;
        _tracksReloads = tracksReloads;
    }

    /// <summary>
    /// This node cannot know what it missed: drop every cached tenant, and re-read every tenant it holds in memory
    /// (rebuilt when active, unloaded when suspended or deleted).
    /// </summary>
    public async Task ResyncAsync(CancellationToken cancellationToken)
    {
        _catalog.Clear();
        _reloadTokens.Clear();
        foreach (var status in _runtime.GetStatuses())
        {
            if (status.IsResident)
            {
                await ApplyAsync(new TenantChangeNotice(TenantChangeKind.ReloadRequested, status.TenantId, status.Identifier, null, 0), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether this node already has the change: its cached and loaded copies of the tenant (at least one of them) are
    /// at the notice's version or newer; for a deletion, whether it holds nothing of the tenant.
    /// </summary>
    public bool IsKnown(TenantChangeNotice notice)
    {
        var cached = _catalog.PeekCached(notice.Identifier);
        if (cached is not null && !string.Equals(cached.Id, notice.TenantId, StringComparison.Ordinal))
        {
            cached = null;
        }

        var loaded = _runtime.GetLoadedVersion(notice.TenantId);
        if (notice.Kind == TenantChangeKind.Deleted)
        {
            return cached is null && loaded is null && (notice.PreviousIdentifier is null || _catalog.PeekCached(notice.PreviousIdentifier) is null);
        }

        if (cached is null && loaded is null)
        {
            return false;
        }

        return (cached is null || cached.Version >= notice.TenantVersion) && (loaded is null || loaded >= notice.TenantVersion);
    }

    public async Task ApplyAsync(TenantChangeNotice notice, CancellationToken cancellationToken)
    {
        // Drop what this node holds under every name the tenant had, before the store is read, so a lookup racing
        // this one cannot cache the old copy again.
        _catalog.Invalidate(notice.Identifier);
        if (notice.PreviousIdentifier is not null)
        {
            _catalog.Invalidate(notice.PreviousIdentifier);
        }

        var loadedAs = _runtime.GetStatus(notice.TenantId)?.Identifier;
        if (loadedAs is not null && !string.Equals(loadedAs, notice.Identifier, StringComparison.Ordinal))
        {
            _catalog.Invalidate(loadedAs);
        }

        var fresh = await _catalog.FindByIdAsync(notice.TenantId, cancellationToken).ConfigureAwait(false);
        TenantChange change;
        if (fresh is null)
        {
            change = new TenantChange(TenantChangeKind.Deleted, notice.TenantId, notice.Identifier, null, notice.PreviousIdentifier ?? loadedAs, isRemote: true);
        }
        else
        {
            var kind = !fresh.IsActive ? TenantChangeKind.Suspended
                : notice.Kind switch
                {
                    TenantChangeKind.Suspended or TenantChangeKind.Resumed => TenantChangeKind.Resumed,
                    TenantChangeKind.Deleted => TenantChangeKind.Created,
                    _ => notice.Kind,
                };
            var previous = !string.Equals(fresh.Identifier, notice.Identifier, StringComparison.Ordinal) ? notice.Identifier : notice.PreviousIdentifier;
            change = new TenantChange(kind, fresh.Id, fresh.Identifier, fresh, previous, isRemote: true);
        }

        ChangeSyncLog.Applying(_logger, notice.Kind, notice.Identifier, notice.TenantVersion, change.Kind, change.Tenant?.Version ?? 0);
        _feed.Publish(change);
    }

    public void AddReloadToken(TenantChangeNotice notice)
    {
        if (!_tracksReloads)
        {
            return;
        }

        if (_reloadTokens.Count >= MaxReloadTokens)
        {
            // Bounded: at worst, a later log entry rebuilds a tenant once more than needed.
            _reloadTokens.Clear();
        }

        _reloadTokens.AddOrUpdate((notice.TenantId, notice.TenantVersion), 1, static (_, n) => n + 1);
    }

    public bool TryConsumeReloadToken(TenantChangeNotice notice)
    {
        var key = (notice.TenantId, notice.TenantVersion);
        while (_reloadTokens.TryGetValue(key, out var count))
        {
            if (count <= 1 ? _reloadTokens.TryRemove(new KeyValuePair<(string, long), int>(key, count)) : _reloadTokens.TryUpdate(key, count - 1, count))
            {
                return true;
            }
        }

        return false;
    }
}
