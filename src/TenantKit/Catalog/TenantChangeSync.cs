using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Runtime;

namespace TenantKit.Catalog;

/// <summary>
/// Keeps this node in step with changes other nodes make to the shared catalog: applies the notices a distributed
/// feed hands over, and polls the store's <see cref="ITenantChangeLog"/> (when it has one) to catch up on what the
/// feed missed. Applying a notice never trusts data in it: the cached copy is dropped, the tenant is re-read from the
/// store, and the change is announced locally with <see cref="TenantChange.IsRemote"/> set, so the catalog cache and
/// the runtime react exactly as to a local change. A notice this node already has (its own change coming back, or one
/// that arrived through both the feed and the log) is skipped, so a change never reloads a tenant twice.
/// </summary>
internal sealed partial class TenantChangeSync : ITenantChangeSync, IHostedService, IDisposable
{
    internal const int PageSize = 500;
    private const int MaxReloadTokens = 10_000;

    private readonly ITenantChangeLog? _log;
    private readonly CachingTenantCatalog _catalog;
    private readonly TenantRuntime _runtime;
    private readonly ITenantChangeFeed _feed;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _fallbackInterval;
    private readonly SemaphoreSlim _pollGate = new(1, 1);
    private readonly Lock _timerGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IDisposable _subscription;

    /// <summary>
    /// Reloads this node has done (or asked for) per tenant and version that the change log will list again: a reload
    /// changes no version, so only a count tells the log's entry for it from another node's later reload.
    /// </summary>
    private readonly ConcurrentDictionary<(string TenantId, long Version), int> _reloadTokens = new();

    private ITimer? _timer;
    private long _version;
    private bool _hasVersion;
    private bool _failing;
    private volatile bool _feedRegistered;
    private volatile bool _feedConnected;
    private volatile bool _pollRequested;
    private Task _polling = Task.CompletedTask;
    private int _disposed;

    public TenantChangeSync(
        ITenantStore store,
        CachingTenantCatalog catalog,
        TenantRuntime runtime,
        ITenantChangeFeed feed,
        IOptions<TenantCatalogOptions> options,
        TimeProvider time,
        ILogger<TenantChangeSync> logger)
    {
        _log = store as ITenantChangeLog;
        _catalog = catalog;
        _runtime = runtime;
        _feed = feed;
        _time = time;
        _logger = logger;
        _interval = options.Value.ChangePollInterval;
        _fallbackInterval = options.Value.FallbackChangePollInterval;
        _subscription = feed.Subscribe(OnLocalChange);
    }

    /// <summary>The last catalog version this node has caught up to (for tests and diagnostics).</summary>
    internal long Version => Interlocked.Read(ref _version);

    internal bool IsFeedConnected => _feedConnected;

    /// <summary>The interval the next poll waits: slow while a feed is connected or none is registered.</summary>
    internal TimeSpan CurrentInterval => !_feedRegistered || _feedConnected ? _interval : _fallbackInterval;

    /// <summary>The poll running now, or a completed task. Tests await it after moving the clock.</summary>
    internal Task Polling => Volatile.Read(ref _polling);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_log is null)
        {
            return;
        }

        // The version is read before tenants are loaded eagerly, so nothing committed after it is missed. A store that
        // is down does not stop the host: the first poll that reaches it catches up.
        try
        {
            var version = await _log.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _version, version);
            _hasVersion = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _failing = true;
            Log.PollFailed(_logger, ex, CurrentInterval);
        }

        _timer = _time.CreateTimer(static s => ((TenantChangeSync)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Schedule(CurrentInterval);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host may be stopped again after its container (and this) was disposed.
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _timer?.Dispose();
        try
        {
            await Polling.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        // Registered as itself and as ITenantChangeSync: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _subscription.Dispose();
        _timer?.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
        _pollGate.Dispose();
    }

    public void ReportFeedConnected(bool connected)
    {
        var wasRegistered = _feedRegistered;
        var was = _feedConnected;
        _feedRegistered = true;
        _feedConnected = connected;
        if (connected && !was && wasRegistered)
        {
            // Catch up at once on what the feed missed while it was down, then poll slowly again.
            Log.FeedConnected(_logger);
            RequestPoll();
        }
        else if (!connected && (was || !wasRegistered))
        {
            if (was)
            {
                Log.FeedDisconnected(_logger, _fallbackInterval);
            }

            Schedule(_fallbackInterval);
        }
    }

    public async ValueTask ApplyRemoteAsync(TenantChangeNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (!notice.IsValid(out var problem))
        {
            throw new ArgumentException($"The change notice is not well formed: {problem}.", nameof(notice));
        }

        if (notice.Kind == TenantChangeKind.ReloadRequested)
        {
            // A reload changes no version: a feed never echoes a node's own messages, so apply it, and remember it so
            // the log's entry for the same reload does not rebuild the tenant a second time.
            AddReloadToken(notice);
        }
        else if (IsKnown(notice))
        {
            return;
        }

        await ApplyAsync(notice, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls the change log once (now), applying every change after the last version seen.</summary>
    internal async Task PollAsync(CancellationToken cancellationToken)
    {
        if (_log is null)
        {
            return;
        }

        await _pollGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PollCoreAsync(_log, cancellationToken).ConfigureAwait(false);
            if (_failing)
            {
                _failing = false;
                Log.PollRecovered(_logger, Version);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The store is down (or a change could not be applied): keep the version, so the next poll retries from it.
            if (!_failing)
            {
                _failing = true;
                Log.PollFailed(_logger, ex, CurrentInterval);
            }
            else
            {
                Log.PollStillFailing(_logger, ex.Message);
            }
        }
        finally
        {
            _pollGate.Release();
        }
    }

    private async Task PollCoreAsync(ITenantChangeLog log, CancellationToken cancellationToken)
    {
        if (!_hasVersion)
        {
            var version = await log.GetVersionAsync(cancellationToken).ConfigureAwait(false);

            // The start-up read failed: tenants cached meanwhile may have missed changes made before this version.
            await ResyncAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _version, version);
            _hasVersion = true;
            return;
        }

        while (true)
        {
            var page = await log.ReadChangesAsync(Version, PageSize, cancellationToken).ConfigureAwait(false);
            if (page.IsTruncated)
            {
                Log.LogTruncated(_logger, Version, page.Version);
                await ResyncAsync(cancellationToken).ConfigureAwait(false);
                Interlocked.Exchange(ref _version, page.Version);
                return;
            }

            foreach (var entry in page.Changes)
            {
                var notice = entry.Change;
                if (!notice.IsValid(out var problem))
                {
                    Log.InvalidLogEntry(_logger, entry.Version, problem!);
                }
                else if (notice.Kind == TenantChangeKind.ReloadRequested ? !TryConsumeReloadToken(notice) : !IsKnown(notice))
                {
                    await ApplyAsync(notice, cancellationToken).ConfigureAwait(false);
                }

                // Advanced entry by entry: a failure part-way resumes after the last change applied.
                Interlocked.Exchange(ref _version, entry.Version);
            }

            if (page.Version > Version)
            {
                Interlocked.Exchange(ref _version, page.Version);
            }

            if (page.Changes.Count < PageSize)
            {
                return;
            }
        }
    }

    /// <summary>
    /// This node cannot know what it missed: drop every cached tenant, and re-read every tenant it holds in memory
    /// (rebuilt when active, unloaded when suspended or deleted).
    /// </summary>
    private async Task ResyncAsync(CancellationToken cancellationToken)
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
    private bool IsKnown(TenantChangeNotice notice)
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

    private async Task ApplyAsync(TenantChangeNotice notice, CancellationToken cancellationToken)
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

        Log.Applying(_logger, notice.Kind, notice.Identifier, notice.TenantVersion, change.Kind, change.Tenant?.Version ?? 0);
        _feed.Publish(change);
    }

    private void OnLocalChange(TenantChange change)
    {
        if (!change.IsRemote && change.Kind == TenantChangeKind.ReloadRequested && _log is not null && change.Tenant is { } tenant)
        {
            AddReloadToken(new TenantChangeNotice(change.Kind, change.TenantId, change.Identifier, null, tenant.Version));
        }
    }

    private void AddReloadToken(TenantChangeNotice notice)
    {
        if (_log is null)
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

    private bool TryConsumeReloadToken(TenantChangeNotice notice)
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

    private void RequestPoll()
    {
        _pollRequested = true;
        Schedule(TimeSpan.Zero);
    }

    private void Schedule(TimeSpan due)
    {
        if (_stopping.IsCancellationRequested || due == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        try
        {
            _timer?.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void OnTimer()
    {
        lock (_timerGate)
        {
            if (!Polling.IsCompleted)
            {
                // A poll is running: it polls again when it ends.
                _pollRequested = true;
                return;
            }

            _pollRequested = false;
            Volatile.Write(ref _polling, RunAsync());
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        while (true)
        {
            try
            {
                await PollAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && _stopping.IsCancellationRequested)
            {
                return;
            }

            lock (_timerGate)
            {
                if (!_pollRequested || _stopping.IsCancellationRequested)
                {
                    Schedule(CurrentInterval);
                    return;
                }

                _pollRequested = false;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Warning, "Polling the tenant change log failed; retrying in {Interval}. Cached and loaded tenants keep serving.")]
        public static partial void PollFailed(ILogger logger, Exception exception, TimeSpan interval);

        [LoggerMessage(1102, LogLevel.Debug, "Polling the tenant change log still fails: {Message}")]
        public static partial void PollStillFailing(ILogger logger, string message);

        [LoggerMessage(1103, LogLevel.Information, "Polling the tenant change log works again; caught up to version {Version}.")]
        public static partial void PollRecovered(ILogger logger, long version);

        [LoggerMessage(1104, LogLevel.Warning, "The tenant change log no longer holds the changes after version {Version} (pruned; now at {Current}): dropping every cached tenant and re-reading the loaded ones.")]
        public static partial void LogTruncated(ILogger logger, long version, long current);

        [LoggerMessage(1105, LogLevel.Warning, "Skipped the malformed tenant change log entry at version {Version}: {Problem}.")]
        public static partial void InvalidLogEntry(ILogger logger, long version, string problem);

        [LoggerMessage(1106, LogLevel.Debug, "Applying remote {Kind} of tenant {Identifier} (version {Version}) as {AppliedKind} at version {StoredVersion}.")]
        public static partial void Applying(ILogger logger, TenantChangeKind kind, string identifier, long version, TenantChangeKind appliedKind, long storedVersion);

        [LoggerMessage(1107, LogLevel.Information, "The distributed change feed is connected: catching up on the change log now.")]
        public static partial void FeedConnected(ILogger logger);

        [LoggerMessage(1108, LogLevel.Warning, "The distributed change feed is disconnected: polling the change log every {Interval} until it is back.")]
        public static partial void FeedDisconnected(ILogger logger, TimeSpan interval);
    }
}
