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
internal sealed class TenantChangeSync : ITenantChangeSync, IHostedService, IDisposable
{
    internal const int PageSize = 500;

    private readonly ITenantChangeLog? _log;
    private readonly TenantChangeApplier _applier;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _fallbackInterval;
    private readonly SemaphoreSlim _pollGate = new(1, 1);
    private readonly Lock _timerGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IDisposable _subscription;

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
        _applier = new TenantChangeApplier(catalog, runtime, feed, logger, tracksReloads: _log is not null);
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
            ChangeSyncLog.PollFailed(_logger, ex, CurrentInterval);
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
            ChangeSyncLog.FeedConnected(_logger);
            RequestPoll();
        }
        else if (!connected && (was || !wasRegistered))
        {
            if (was)
            {
                ChangeSyncLog.FeedDisconnected(_logger, _fallbackInterval);
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
            _applier.AddReloadToken(notice);
        }
        else if (_applier.IsKnown(notice))
        {
            return;
        }

        await _applier.ApplyAsync(notice, cancellationToken).ConfigureAwait(false);
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
                ChangeSyncLog.PollRecovered(_logger, Version);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The store is down (or a change could not be applied): keep the version, so the next poll retries from it.
            if (!_failing)
            {
                _failing = true;
                ChangeSyncLog.PollFailed(_logger, ex, CurrentInterval);
            }
            else
            {
                ChangeSyncLog.PollStillFailing(_logger, ex.Message);
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
            await _applier.ResyncAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _version, version);
            _hasVersion = true;
            return;
        }

        while (true)
        {
            var page = await log.ReadChangesAsync(Version, PageSize, cancellationToken).ConfigureAwait(false);
            if (page.IsTruncated)
            {
                ChangeSyncLog.LogTruncated(_logger, Version, page.Version);
                await _applier.ResyncAsync(cancellationToken).ConfigureAwait(false);
                Interlocked.Exchange(ref _version, page.Version);
                return;
            }

            foreach (var entry in page.Changes)
            {
                var notice = entry.Change;
                if (!notice.IsValid(out var problem))
                {
                    ChangeSyncLog.InvalidLogEntry(_logger, entry.Version, problem!);
                }
                else if (notice.Kind == TenantChangeKind.ReloadRequested ? !_applier.TryConsumeReloadToken(notice) : !_applier.IsKnown(notice))
                {
                    await _applier.ApplyAsync(notice, cancellationToken).ConfigureAwait(false);
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

    private void OnLocalChange(TenantChange change)
    {
        if (!change.IsRemote && change.Kind == TenantChangeKind.ReloadRequested && _log is not null && change.Tenant is { } tenant)
        {
            _applier.AddReloadToken(new TenantChangeNotice(change.Kind, change.TenantId, change.Identifier, null, tenant.Version));
        }
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
}
