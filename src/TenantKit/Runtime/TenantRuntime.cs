using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Diagnostics;
using TenantKit.Internal;
using TenantKit.Runtime.Container;

namespace TenantKit.Runtime;

/// <summary>The tenant runtime: single builds, leases, idle and capacity eviction, reloads, drain-safe unloads.</summary>
internal sealed partial class TenantRuntime : ITenantRuntime, IAsyncDisposable, IDisposable
{
    private const int MaxUnloadHistory = 10_000;

    private readonly ConcurrentDictionary<string, TenantSlot> _slots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UnloadRecord> _unloadHistory = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unloadOrder = new();
    private readonly ConcurrentDictionary<TenantGeneration, byte> _draining = new();
    private readonly ConcurrentDictionary<string, Tombstone> _gone = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _goneOrder = new();
    private readonly Lock _capacityGate = new();

    // The capacity check's state, guarded by _capacityGate: the least recently used idle generations found by its
    // last scan (the least recent on top), and the scan's reusable heap.
    private readonly Stack<CapacityCandidate> _capacityCandidates = new();
    private readonly PriorityQueue<CapacityCandidate, long> _capacityHeap = new();
    private int _capacityScans;
    private readonly TenantContainerFactory _factory;
    private readonly TenantRuntimeOptions _options;
    private readonly TenantServicesConfiguration _configuration;
    private readonly ITenantContextAccessor _context;
    private readonly TenantKitMetrics _metrics;
    private readonly ILogger _logger;
    private readonly BuildGate _buildGate;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable _subscription;
    private readonly ITimer? _sweeper;
    private readonly long _idleTicks;
    private readonly CoarseClock _clock;
    private int _resident;
    private int _building;
    private long _builds;
    private long _failedBuilds;
    private long _unloads;
    private int _stopping;
    private int _capacityCheckQueued;
    private Task _capacityCheck = Task.CompletedTask;

    public TenantRuntime(
        TenantContainerFactory factory,
        IOptions<TenantRuntimeOptions> options,
        TenantServicesConfiguration configuration,
        ITenantContextAccessor context,
        ITenantChangeFeed changes,
        TimeProvider time,
        TenantKitMetrics metrics,
        ILogger<TenantRuntime> logger)
    {
        _factory = factory;
        _options = options.Value;
        _configuration = configuration;
        _context = context;
        Time = time;
        _metrics = metrics;
        _logger = logger;
        _buildGate = new BuildGate(_options.MaxConcurrentBuilds);
        _clock = new CoarseClock(time);
        _idleTicks = _options.IdleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : ToTicks(_options.IdleTimeout);
        _subscription = changes.Subscribe(OnChange);
        if (_idleTicks != long.MaxValue || _options.Capacity is not null)
        {
            var interval = _options.EffectiveSweepInterval;
            _sweeper = time.CreateTimer(static s => ((TenantRuntime)s!).Sweep(), this, interval, interval);
        }

        metrics.ObserveRuntime(() => Volatile.Read(ref _resident), () => Counts.LeasesOut);
    }

    public TimeProvider Time { get; }

    public TenantRuntimeCounts Counts
    {
        get
        {
            long leases = 0;
            foreach (var slot in _slots.Values)
            {
                leases += slot.Current?.Leases ?? 0;
            }

            return new TenantRuntimeCounts(
                Volatile.Read(ref _resident),
                Volatile.Read(ref _building),
                _draining.Count,
                leases,
                Interlocked.Read(ref _builds),
                Interlocked.Read(ref _failedBuilds),
                Interlocked.Read(ref _unloads));
        }
    }

    public ValueTask<TenantLease> AcquireAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!tenant.IsActive)
        {
            throw new TenantSuspendedException(tenant);
        }

        return TryAcquireResident(tenant, out var lease)
            ? new ValueTask<TenantLease>(lease)
            : AcquireSlowAsync(tenant, cancellationToken);
    }

    /// <summary>
    /// The warm path of <see cref="AcquireAsync"/>: a lease on the tenant's resident generation, or
    /// <see langword="false"/> when it must be built (or the tenant is suspended), which only <see cref="AcquireAsync"/>
    /// does. Needs no cancellation token, so a web request's abort token is not even created on this path.
    /// </summary>
    internal bool TryAcquireResident(TenantInfo tenant, out TenantLease lease)
    {
        // The catalog hands out the same snapshot for every request, so the slot is remembered on it: the warm path
        // skips hashing the id. A slot of another runtime, or one since removed (its Current is null forever), falls
        // through to the dictionary or the slow path.
        var slot = tenant.RuntimeSlot as TenantSlot;
        if (slot is null || !ReferenceEquals(slot.Owner, this))
        {
            _slots.TryGetValue(tenant.Id, out slot);
        }

        if (tenant.IsActive && slot?.Current is { } generation && generation.TryAcquire())
        {
            if (generation.Tenant.Version < tenant.Version)
            {
                // The caller saw a newer snapshot than this generation was built from (a change this node missed):
                // serve this request, and build the newer generation in the background (once per back-off if
                // that build fails, not once per request).
                _ = ObserveAsync(ReloadCoreAsync(tenant, respectBackoff: true), TenantChangeKind.Updated, tenant.Identifier);
            }

            _metrics.Lease();
            lease = new TenantLease(generation);
            return true;
        }

        lease = default;
        return false;
    }

    public async ValueTask LoadAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        EnsureHost("loading a tenant");
        var lease = await AcquireAsync(tenant, cancellationToken).ConfigureAwait(false);
        lease.Dispose();
    }

    public async ValueTask ReloadAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        EnsureHost("reloading a tenant");
        await ReloadCoreAsync(tenant).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public bool Unload(string tenantId)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        EnsureHost("unloading a tenant");
        return UnloadCore(tenantId, TenantUnloadReason.Requested);
    }

    public TenantRuntimeStatus? GetStatus(string tenantId)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        if (_slots.TryGetValue(tenantId, out var slot))
        {
            return Describe(slot);
        }

        return _unloadHistory.TryGetValue(tenantId, out var record)
            ? new TenantRuntimeStatus(tenantId, record.Identifier, false, record.Generation, null, 0, null, null, record.Reason, record.At, null, null)
            : null;
    }

    /// <summary>The version of the tenant this runtime serves or is building (the newer), or <see langword="null"/> when it holds neither.</summary>
    internal long? GetLoadedVersion(string tenantId)
    {
        if (!_slots.TryGetValue(tenantId, out var slot))
        {
            return null;
        }

        lock (slot.Gate)
        {
            long? version = slot.Current?.Tenant.Version;
            if (slot.BuildingFor is { } building && (version is null || building.Version > version))
            {
                version = building.Version;
            }

            return version;
        }
    }

    public IReadOnlyList<TenantRuntimeStatus> GetStatuses()
    {
        var result = new List<TenantRuntimeStatus>(_slots.Count);
        foreach (var slot in _slots.Values)
        {
            result.Add(Describe(slot));
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Identifier, b.Identifier));
        return result;
    }

    /// <summary>Builds every tenant the loading policy marks eager, with bounded parallelism.</summary>
    public async Task LoadEagerTenantsAsync(ITenantCatalog catalog, CancellationToken cancellationToken)
    {
        var eager = new List<TenantInfo>();
        try
        {
            await foreach (var tenant in catalog.ListAllAsync(new TenantQuery { State = TenantState.Active, Take = TenantQuery.MaxTake }, cancellationToken).ConfigureAwait(false))
            {
                if (_options.IsEager(tenant))
                {
                    eager.Add(tenant);
                }
            }
        }
        catch (TenantCatalogUnavailableException ex)
        {
            // A store outage at start-up must not stop the application: it serves what it can (503 for tenants it
            // cannot look up), and tenants are built on first use once the store answers.
            Log.EagerLoadingSkipped(_logger, ex);
            return;
        }

        if (eager.Count == 0)
        {
            return;
        }

        Log.EagerLoading(_logger, eager.Count);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentBuilds, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(eager, parallel, async (tenant, token) =>
        {
            try
            {
                var lease = await AcquireAsync(tenant, token).ConfigureAwait(false);
                lease.Dispose();
            }
            catch (TenantKitException ex)
            {
                // One tenant's failure (or its suspension meanwhile) never stops the others or the host; a failed
                // build is retried lazily after its back-off.
                Log.EagerLoadFailed(_logger, ex, tenant.Identifier);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Unloads idle tenants and enforces the capacity. The timer calls it; tests may too.</summary>
    internal void Sweep()
    {
        if (Volatile.Read(ref _stopping) != 0)
        {
            return;
        }

        if (_idleTicks != long.MaxValue)
        {
            var now = Now();

            // Enumerating the dictionary itself takes no lock and copies nothing (Values would do both).
            foreach (var (_, slot) in _slots)
            {
                var generation = slot.Current;
                if (generation is not null && generation.Leases == 0 && now - generation.LastAccess >= _idleTicks)
                {
                    TryUnloadUnleased(slot, generation, TenantUnloadReason.Idle);
                }
            }
        }

        EnforceCapacity();
    }

    /// <summary>
    /// The capacity check most recently queued after a build; once it completes, every check queued before it has run. Tests
    /// wait for it before they rely on the order of the idle tenants; the runtime itself never waits.
    /// </summary>
    internal Task QueuedCapacityCheck => Volatile.Read(ref _capacityCheck);

    /// <summary>How many builds are queued for a build slot (every slot taken). For tests.</summary>
    internal int BuildsWaitingForASlot => _buildGate.Waiting;

    /// <summary>How many times a capacity check has visited every resident tenant. For tests.</summary>
    internal int CapacityScans
    {
        get
        {
            lock (_capacityGate)
            {
                return _capacityScans;
            }
        }
    }

    internal void EnforceCapacity()
    {
        if (_options.Capacity is not { } capacity)
        {
            return;
        }

        // One check at a time (the sweeper, the check queued after a build, a test): two checks that chose their
        // victims from the same count would together unload more tenants than the excess.
        lock (_capacityGate)
        {
            if (Volatile.Read(ref _resident) <= capacity)
            {
                return;
            }

            // Unload down to 1% under the cap (none below a capacity of 100), so a check is queued once per ~1% of the
            // capacity in builds, not after every build.
            var target = capacity - (capacity / 100);
            var scanned = false;
            while (Volatile.Read(ref _resident) > target)
            {
                if (!_capacityCandidates.TryPop(out var candidate))
                {
                    if (scanned)
                    {
                        break; // Every idle tenant has been tried; the rest hold leases.
                    }

                    // A scan visits every resident tenant (a few cache misses each: milliseconds at 10,000), so it
                    // keeps the least recently used 5% of the capacity, and the next checks unload from that list.
                    FindLeastRecentlyUsed(Math.Max(Volatile.Read(ref _resident) - target, capacity / 20));
                    scanned = true;
                    continue;
                }

                // Untouched since the scan, it is still among the least recently used: everything the scan left out
                // was used more recently, and use only moves a generation's last access later. One used since,
                // reloaded or gone is dropped from the list.
                var generation = candidate.Slot.Current;
                if (generation is not null && generation.Number == candidate.Generation && generation.LastAccess == candidate.LastAccess)
                {
                    TryUnloadUnleased(candidate.Slot, generation, TenantUnloadReason.Capacity);
                }
            }
        }
    }

    /// <summary>
    /// Fills the candidate list with the <paramref name="count"/> least recently used unleased generations, the least
    /// recently used first. Caller holds the capacity gate.
    /// </summary>
    private void FindLeastRecentlyUsed(int count)
    {
        // A bounded heap whose root is the most recently used of those kept: a generation used more recently than the
        // root (most of them, once the heap is full) is compared with it and dropped without reordering the heap.
        _capacityScans++;
        var heap = _capacityHeap;
        heap.Clear();
        _capacityCandidates.Clear();

        // Enumerating the dictionary itself takes no lock and copies nothing (Values locks every bucket, stalling
        // acquires, and copies the whole table).
        foreach (var (_, slot) in _slots)
        {
            var generation = slot.Current;
            if (generation is null || generation.Leases != 0)
            {
                continue;
            }

            var lastAccess = generation.LastAccess;
            var candidate = new CapacityCandidate(slot, generation.Number, lastAccess);
            if (heap.Count < count)
            {
                heap.Enqueue(candidate, -lastAccess);
            }
            else
            {
                heap.EnqueueDequeue(candidate, -lastAccess);
            }
        }

        // The heap yields the most recently used first: pushed in that order, the least recently used ends on top.
        while (heap.TryDequeue(out var candidate, out _))
        {
            _capacityCandidates.Push(candidate);
        }
    }

    /// <summary>Registers a generation that started draining; called before its drain is queued.</summary>
    internal void TrackDrain(TenantGeneration generation) => _draining.TryAdd(generation, 0);

    /// <summary>Drains a generation: stops its hosted services, runs unload hooks, waits for its leases, disposes it.</summary>
    internal async Task DrainAsync(TenantGeneration generation, Task leasesGone)
    {
        var reason = generation.UnloadReason ?? TenantUnloadReason.Requested;
        try
        {
            await StopHostedServicesAsync(generation).ConfigureAwait(false);
            using (_context.BeginTenantScope(generation.Tenant, generation.Services))
            {
                foreach (var hook in _configuration.OnUnloading)
                {
                    try
                    {
                        await hook(generation.Tenant, generation.Services, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        Log.UnloadHookFailed(_logger, ex, generation.Tenant.Identifier);
                    }
                }
            }

            while (!leasesGone.IsCompleted)
            {
                try
                {
                    await leasesGone.WaitAsync(_options.DrainTimeout, Time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    Log.DrainSlow(_logger, generation.Tenant.Identifier, generation.Number, generation.Leases, _options.DrainTimeout);
                }
            }

            await generation.Services.DisposeAsync().ConfigureAwait(false);
            Log.Unloaded(_logger, generation.Tenant.Identifier, generation.Number, reason);
        }
        catch (Exception ex)
        {
            Log.DisposeFailed(_logger, ex, generation.Tenant.Identifier, generation.Number);
        }
        finally
        {
            Interlocked.Increment(ref _unloads);
            _metrics.Unload(reason.ToString());
            _draining.TryRemove(generation, out _);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            _sweeper?.Dispose();
            _subscription.Dispose();
            await _shutdown.CancelAsync().ConfigureAwait(false);

            // Until nothing is left: a build that finishes now drains its generation, and an acquire that passed the
            // stopping check just before it was set may still start one build, which fails or drains at once.
            while (true)
            {
                var pending = new List<Task>();
                foreach (var slot in _slots.Values)
                {
                    lock (slot.Gate)
                    {
                        if (slot.Building is { } build)
                        {
                            pending.Add(build);
                        }
                    }

                    UnloadCore(slot.TenantId, TenantUnloadReason.Shutdown);
                }

                foreach (var generation in _draining.Keys)
                {
                    pending.Add(generation.Disposal);
                }

                if (pending.Count > 0)
                {
                    await Task.WhenAll(pending.Select(static t => t.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)))
                        .WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (Volatile.Read(ref _building) != 0)
                {
                    // A build between leaving its slot and handing its generation to the drain: a few instructions.
                    await Task.Yield();
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Log.ShutdownIncomplete(_logger, _draining.Count);
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(_options.DrainTimeout, Time);
        await StopAsync(timeout.Token).ConfigureAwait(false);
        _shutdown.Dispose();
        _buildGate.Dispose();
    }

    /// <summary>
    /// For containers disposed synchronously (<c>ServiceProvider.Dispose()</c>): the same drain as
    /// <see cref="DisposeAsync"/>, waited for on this thread, bounded by <see cref="TenantRuntimeOptions.DrainTimeout"/>.
    /// </summary>
    public void Dispose() => Task.Run(() => DisposeAsync().AsTask()).GetAwaiter().GetResult();

    private async ValueTask<TenantLease> AcquireSlowAsync(TenantInfo tenant, CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopping) != 0, this);
            var slot = _slots.GetOrAdd(tenant.Id, static (id, state) => state.Runtime.NewSlot(id, state.Tenant), (Runtime: this, Tenant: tenant));
            tenant.RuntimeSlot = slot;
            Task<TenantGeneration> build;
            lock (slot.Gate)
            {
                if (slot.Removed)
                {
                    continue;
                }

                var generation = slot.Current;
                if (generation is not null && generation.TryAcquire())
                {
                    _metrics.Lease();
                    return new TenantLease(generation);
                }

                if (slot.Building is null)
                {
                    // Checked again under the gate: shutdown sets the flag, then unloads every slot under its gate.
                    ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopping) != 0, this);
                    if (GoneError(tenant) is { } gone)
                    {
                        RemoveSlotIfUnused(slot);
                        throw gone;
                    }

                    var now = Now();
                    if (slot.Failures > 0 && now < slot.RetryAt)
                    {
                        throw new TenantLoadException(tenant.Id, tenant.Identifier, Elapsed(now, slot.RetryAt), slot.LastError);
                    }

                    StartBuild(slot, tenant);
                }

                build = slot.Building!;
            }

            await build.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Completes <paramref name="waiting"/> as <paramref name="build"/> ends: the callers of a queued reload.</summary>
    private static void CompleteWhenBuilt(Task build, TaskCompletionSource waiting)
        => build.ContinueWith(
            static (done, state) =>
            {
                var completion = (TaskCompletionSource)state!;
                if (done.IsCompletedSuccessfully)
                {
                    completion.TrySetResult();
                }
                else if (done.IsCanceled)
                {
                    completion.TrySetCanceled();
                }
                else
                {
                    completion.TrySetException(done.Exception!.InnerExceptions);
                }
            },
            waiting,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>Starts a build on the thread pool (never inline, so it never runs under the slot's gate).</summary>
    private void StartBuild(TenantSlot slot, TenantInfo tenant)
    {
        slot.BuildingFor = tenant;
        slot.CancelBuild = false;
        slot.Identifier = tenant.Identifier;
        var number = ++slot.LastGeneration;
        Interlocked.Increment(ref _building);
        slot.Building = Task.Run(() => BuildAsync(slot, tenant, number));
    }

    private async Task<TenantGeneration> BuildAsync(TenantSlot slot, TenantInfo tenant, long number)
    {
        var started = Time.GetTimestamp();
        TenantGeneration generation;
        TaskCompletionSource? dropped = null;
        try
        {
            generation = await BuildGenerationAsync(tenant, number).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _failedBuilds);
            _metrics.Build(false, Time.GetElapsedTime(started));
            TimeSpan retry;
            lock (slot.Gate)
            {
                slot.Building = null;
                slot.BuildingFor = null;
                slot.ReloadQueued = false;
                slot.QueuedTenant = null;
                dropped = slot.QueuedReload;
                slot.QueuedReload = null;
                slot.Failures++;
                retry = Backoff(slot.Failures);
                slot.RetryAt = Now() + ToTicks(retry);
                slot.LastError = ex;
                RemoveSlotIfUnused(slot);
            }

            Interlocked.Decrement(ref _building);
            Exception failure;
            if (ex is OperationCanceledException && _shutdown.IsCancellationRequested)
            {
                failure = new ObjectDisposedException(nameof(TenantRuntime), "The tenant runtime is shutting down.");
            }
            else
            {
                Log.BuildFailed(_logger, ex, tenant.Identifier, number, retry);
                failure = new TenantLoadException(tenant.Id, tenant.Identifier, retry, ex);
            }

            // Callers of a reload queued behind this build get its outcome, never a wait that does not end.
            dropped?.TrySetException(failure);
            throw failure;
        }

        TenantGeneration? replaced = null;
        var discarded = false;
        Exception? cancelled = null;
        var cancelReason = TenantUnloadReason.Shutdown;
        lock (slot.Gate)
        {
            slot.Building = null;
            slot.BuildingFor = null;
            slot.Failures = 0;
            slot.LastError = null;
            if (slot.CancelBuild || Volatile.Read(ref _stopping) != 0)
            {
                // Unloaded while it was building: the generation never serves. Callers waiting for it get the reason,
                // except after a host unload request, where they simply try again (and build afresh).
                discarded = true;
                cancelReason = Volatile.Read(ref _stopping) != 0 ? TenantUnloadReason.Shutdown : slot.CancelReason;
                cancelled = cancelReason switch
                {
                    TenantUnloadReason.Suspended => new TenantSuspendedException(slot.CancelTenant ?? tenant),
                    TenantUnloadReason.Deleted => new TenantNotFoundException(tenant.Identifier),
                    TenantUnloadReason.Shutdown => new ObjectDisposedException(nameof(TenantRuntime), "The tenant runtime is shutting down."),
                    _ => null,
                };
                slot.CancelBuild = false;
                slot.ReloadQueued = false;
                slot.QueuedTenant = null;
                dropped = slot.QueuedReload;
                slot.QueuedReload = null;
                RecordUnload(slot.TenantId, generation, cancelReason);
                RemoveSlotIfUnused(slot);
            }
            else
            {
                replaced = slot.Current;
                generation.Activate(Now());
                slot.Current = generation;
                if (replaced is null)
                {
                    Interlocked.Increment(ref _resident);
                }

                if (slot.ReloadQueued && slot.QueuedTenant is { } queued)
                {
                    slot.ReloadQueued = false;
                    slot.QueuedTenant = null;
                    StartBuild(slot, queued);
                    if (slot.QueuedReload is { } waiting)
                    {
                        slot.QueuedReload = null;
                        CompleteWhenBuilt(slot.Building!, waiting);
                    }
                }
            }
        }

        if (discarded)
        {
            // Handed to the drain before the build stops counting as in flight, so shutdown never misses it.
            generation.BeginDrain(cancelReason);
        }

        Interlocked.Decrement(ref _building);
        Interlocked.Increment(ref _builds);
        _metrics.Build(true, Time.GetElapsedTime(started));
        if (discarded)
        {
            if (cancelled is null)
            {
                dropped?.TrySetResult();
                return generation;
            }

            dropped?.TrySetException(cancelled);
            throw cancelled;
        }

        Log.Built(_logger, tenant.Identifier, number, Time.GetElapsedTime(started).TotalMilliseconds);
        if (replaced is not null)
        {
            replaced.BeginDrain(TenantUnloadReason.Reload);
            RecordUnload(slot.TenantId, replaced, TenantUnloadReason.Reload);
        }

        QueueCapacityCheck();
        return generation;
    }

    private async Task<TenantGeneration> BuildGenerationAsync(TenantInfo tenant, long number)
    {
        var token = _shutdown.Token;
        await _buildGate.WaitAsync(token).ConfigureAwait(false);
        ContainerScope? services = null;
        var hosted = new List<IHostedService>();
        using var activity = TenantKitActivity.Source.StartActivity("tenantkit.tenant.build", ActivityKind.Internal);
        activity?.SetTag("tenantkit.tenant.id", tenant.Id);
        activity?.SetTag("tenantkit.tenant.identifier", tenant.Identifier);
        activity?.SetTag("tenantkit.generation", number);
        try
        {
            services = _factory.Build(tenant);
            var generation = new TenantGeneration(this, tenant, number, services, Now());
            using (_context.BeginTenantScope(tenant, services))
            {
                foreach (var hook in _configuration.OnActivated)
                {
                    await hook(tenant, services, token).ConfigureAwait(false);
                }

                foreach (var service in services.GetServices<IHostedService>())
                {
                    await service.StartAsync(token).ConfigureAwait(false);
                    hosted.Add(service);
                }
            }

            generation.HostedServices = [.. hosted];
            return generation;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            foreach (var service in hosted)
            {
                try
                {
                    await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception stopError)
                {
                    Log.HostedServiceStopFailed(_logger, stopError, tenant.Identifier);
                }
            }

            if (services is not null)
            {
                try
                {
                    await services.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception disposeError)
                {
                    Log.DisposeFailed(_logger, disposeError, tenant.Identifier, number);
                }
            }

            throw;
        }
        finally
        {
            _buildGate.Release();
        }
    }

    private async Task StopHostedServicesAsync(TenantGeneration generation)
    {
        if (generation.HostedServices.Length == 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.HostedServiceStopTimeout, Time);
        for (var i = generation.HostedServices.Length - 1; i >= 0; i--)
        {
            try
            {
                await generation.HostedServices[i].StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.HostedServiceStopFailed(_logger, ex, generation.Tenant.Identifier);
            }
        }
    }

    /// <summary>
    /// Builds a new generation of a resident tenant from <paramref name="tenant"/>. Unless <paramref name="force"/> (a
    /// host's reload request, same data), a snapshot no newer than what is serving or building changes nothing.
    /// </summary>
    private Task ReloadCoreAsync(TenantInfo tenant, bool respectBackoff = false, bool force = false)
    {
        if (!tenant.IsActive)
        {
            UnloadCore(tenant.Id, TenantUnloadReason.Suspended, tenant);
            return Task.CompletedTask;
        }

        if (!_slots.TryGetValue(tenant.Id, out var slot) || Volatile.Read(ref _stopping) != 0)
        {
            return Task.CompletedTask;
        }

        lock (slot.Gate)
        {
            if (slot.Removed)
            {
                return Task.CompletedTask;
            }

            if (slot.Building is { } building)
            {
                if (!force && slot.BuildingFor is { } target && target.Version >= tenant.Version)
                {
                    return building;
                }

                if (force || slot.QueuedTenant is null || slot.QueuedTenant.Version <= tenant.Version)
                {
                    slot.ReloadQueued = true;
                    slot.QueuedTenant = tenant;
                }

                // The caller waits for the queued build (built from this version or a newer one), not the one running.
                return slot.ReloadQueued
                    ? (slot.QueuedReload ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task
                    : building;
            }

            if (slot.Current is null)
            {
                // Not resident (backing off after a failure, perhaps): the next acquire builds from fresh data now.
                slot.Failures = 0;
                RemoveSlotIfUnused(slot);
                return Task.CompletedTask;
            }

            if (!force && slot.Current.Tenant.Version > tenant.Version)
            {
                return Task.CompletedTask;
            }

            if (respectBackoff && slot.Failures > 0 && Now() < slot.RetryAt)
            {
                return Task.CompletedTask;
            }

            StartBuild(slot, tenant);
            return slot.Building!;
        }
    }

    private bool UnloadCore(string tenantId, TenantUnloadReason reason, TenantInfo? tenant = null)
    {
        if (!_slots.TryGetValue(tenantId, out var slot))
        {
            return false;
        }

        TenantGeneration? generation;
        lock (slot.Gate)
        {
            if (reason == TenantUnloadReason.Suspended && tenant is not null && slot.Current is { } serving
                && serving.Tenant.Version > tenant.Version)
            {
                // A suspension older than the generation serving (it arrived after a newer resume): stale, ignore it.
                return false;
            }

            generation = slot.Current;
            slot.Current = null;
            if (generation is not null)
            {
                Interlocked.Decrement(ref _resident);
            }

            if (slot.Building is not null)
            {
                slot.CancelBuild = true;
                slot.CancelReason = reason;
                slot.CancelTenant = tenant;
                slot.ReloadQueued = false;
                slot.QueuedTenant = null;
            }

            if (reason is TenantUnloadReason.Suspended or TenantUnloadReason.Deleted)
            {
                slot.Failures = 0;
            }

            if (generation is not null)
            {
                // Recorded before the slot can go, so a slot made afresh continues the generation numbers.
                RecordUnload(tenantId, generation, reason);
            }

            RemoveSlotIfUnused(slot);
        }

        if (generation is null)
        {
            return false;
        }

        generation.BeginDrain(reason);
        return true;
    }

    private bool TryUnloadUnleased(TenantSlot slot, TenantGeneration generation, TenantUnloadReason reason)
    {
        lock (slot.Gate)
        {
            if (slot.Current != generation || !generation.TryBeginDrainIfUnleased(reason))
            {
                return false;
            }

            slot.Current = null;
            Interlocked.Decrement(ref _resident);
            RecordUnload(slot.TenantId, generation, reason);
            RemoveSlotIfUnused(slot);
        }

        return true;
    }

    /// <summary>A new slot continues the tenant's generation numbers from its last unload.</summary>
    private TenantSlot NewSlot(string tenantId, TenantInfo tenant)
        => new(tenantId, tenant.Identifier)
        {
            Owner = this,
            LastGeneration = _unloadHistory.TryGetValue(tenantId, out var last) ? last.Generation : 0,
        };

    /// <summary>Forgets a slot that holds nothing. Caller holds the slot's gate.</summary>
    private void RemoveSlotIfUnused(TenantSlot slot)
    {
        if (slot.Current is null && slot.Building is null && slot.Failures == 0 && !slot.Removed)
        {
            slot.Removed = true;
            _slots.TryRemove(new KeyValuePair<string, TenantSlot>(slot.TenantId, slot));
        }
    }

    private void RecordUnload(string tenantId, TenantGeneration generation, TenantUnloadReason reason)
    {
        _unloadHistory[tenantId] = new UnloadRecord(generation.Tenant.Identifier, generation.Number, reason, Time.GetUtcNow());
        _unloadOrder.Enqueue(tenantId);
        while (_unloadOrder.Count > MaxUnloadHistory && _unloadOrder.TryDequeue(out var oldest))
        {
            if (!_slots.ContainsKey(oldest) && _unloadOrder.Count >= MaxUnloadHistory)
            {
                _unloadHistory.TryRemove(oldest, out _);
            }
        }
    }

    private void QueueCapacityCheck()
    {
        if (_options.Capacity is { } capacity && Volatile.Read(ref _resident) > capacity
            && Interlocked.CompareExchange(ref _capacityCheckQueued, 1, 0) == 0)
        {
            // Published before it can start (and reset the flag), so the field always holds the latest check. No
            // execution context: the check must not carry the building caller's tenant scope or keep it alive.
            Task check;
            using (ExecutionContext.SuppressFlow())
            {
                check = new Task(
                    static state =>
                    {
                        // The flag is reset under the check's lock: a check queued from now on runs after this one.
                        var runtime = (TenantRuntime)state!;
                        lock (runtime._capacityGate)
                        {
                            Volatile.Write(ref runtime._capacityCheckQueued, 0);
                            runtime.EnforceCapacity();
                        }
                    },
                    this,
                    TaskCreationOptions.DenyChildAttach);
            }

            Volatile.Write(ref _capacityCheck, check);
            check.Start(TaskScheduler.Default);
        }
    }

    private void OnChange(TenantChange change)
    {
        switch (change.Kind)
        {
            case TenantChangeKind.Updated when change.Tenant is { } tenant:
                ForgetGone(tenant);
                _ = ObserveAsync(ReloadCoreAsync(tenant), change.Kind, change.Identifier);
                break;
            case TenantChangeKind.ReloadRequested when change.Tenant is { } tenant:
                _ = ObserveAsync(ReloadCoreAsync(tenant, force: true), change.Kind, change.Identifier);
                break;
            case TenantChangeKind.Suspended:
                if (change.Tenant is { } suspended)
                {
                    MarkGone(change.TenantId, suspended);
                }

                UnloadCore(change.TenantId, TenantUnloadReason.Suspended, change.Tenant);
                break;
            case TenantChangeKind.Deleted:
                MarkGone(change.TenantId, null);
                UnloadCore(change.TenantId, TenantUnloadReason.Deleted);
                break;
            case TenantChangeKind.Created or TenantChangeKind.Resumed when change.Tenant is { } tenant:
                ForgetGone(tenant);
                if (_options.IsEager(tenant))
                {
                    _ = ObserveAsync(AcquireAndReleaseAsync(tenant), change.Kind, change.Identifier);
                }

                break;
        }
    }

    /// <summary>
    /// Remembers that a tenant was suspended (at which version) or deleted, so a caller still holding an older, active
    /// snapshot (resolved just before the change) cannot build the tenant back into memory. Bounded like the unload history.
    /// </summary>
    private void MarkGone(string tenantId, TenantInfo? suspended)
    {
        _gone[tenantId] = new Tombstone(suspended);
        _goneOrder.Enqueue(tenantId);
        while (_goneOrder.Count > MaxUnloadHistory && _goneOrder.TryDequeue(out var oldest))
        {
            if (_goneOrder.Count >= MaxUnloadHistory)
            {
                _gone.TryRemove(oldest, out _);
            }
        }
    }

    private void ForgetGone(TenantInfo tenant)
    {
        if (tenant.IsActive && _gone.TryGetValue(tenant.Id, out var tombstone) && tombstone.Suspended is { } suspended && tenant.Version > suspended.Version)
        {
            _gone.TryRemove(new KeyValuePair<string, Tombstone>(tenant.Id, tombstone));
        }
    }

    private TenantKitException? GoneError(TenantInfo tenant)
    {
        if (!_gone.TryGetValue(tenant.Id, out var tombstone))
        {
            return null;
        }

        if (tombstone.Suspended is not { } suspended)
        {
            return new TenantNotFoundException(tenant.Identifier);
        }

        return tenant.Version <= suspended.Version ? new TenantSuspendedException(suspended) : null;
    }

    private async Task AcquireAndReleaseAsync(TenantInfo tenant)
    {
        var lease = await AcquireAsync(tenant).ConfigureAwait(false);
        lease.Dispose();
    }

    private async Task ObserveAsync(Task work, TenantChangeKind kind, string identifier)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TenantKitException or ObjectDisposedException)
        {
            Log.ChangeHandlingFailed(_logger, ex, kind, identifier);
        }
    }

    private TenantRuntimeStatus Describe(TenantSlot slot)
    {
        lock (slot.Gate)
        {
            var generation = slot.Current;
            _unloadHistory.TryGetValue(slot.TenantId, out var last);
            DateTimeOffset? lastAccess = null;
            TimeSpan? idleLeft = null;
            var now = Time.GetUtcNow();
            if (generation is not null)
            {
                var idle = Elapsed(generation.LastAccess, Now());
                lastAccess = now - idle;
                if (_idleTicks != long.MaxValue && generation.Leases == 0)
                {
                    var left = _options.IdleTimeout - idle;
                    idleLeft = left < TimeSpan.Zero ? TimeSpan.Zero : left;
                }
            }

            var state = generation?.State ?? (slot.Building is not null ? TenantGenerationState.Building
                : slot.Failures > 0 ? TenantGenerationState.Failed : null);
            DateTimeOffset? retryAt = slot.Failures > 0 ? now + Elapsed(Now(), slot.RetryAt) : null;
            return new TenantRuntimeStatus(
                slot.TenantId,
                generation?.Tenant.Identifier ?? slot.Identifier,
                generation is not null,
                generation?.Number ?? slot.LastGeneration,
                state,
                generation?.Leases ?? 0,
                lastAccess,
                idleLeft,
                last?.Reason,
                last?.At,
                slot.Failures > 0 ? slot.LastError?.Message : null,
                retryAt);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var delay = _options.BuildRetryDelay * Math.Pow(2, Math.Min(failures - 1, 30));
        return delay > _options.MaxBuildRetryDelay ? _options.MaxBuildRetryDelay : delay;
    }

    private long ToTicks(TimeSpan value) => (long)(value.TotalSeconds * Time.TimestampFrequency);

    /// <summary>
    /// The runtime's clock for last access, idle time and back-off, in <see cref="TimeProvider.TimestampFrequency"/>
    /// units. With the system clock it reads the coarse monotonic tick count (a few nanoseconds, millisecond
    /// resolution: plenty for idle timeouts and LRU order) so stamping every lease release stays cheap; with any
    /// other provider (a fake clock in tests) it reads the provider.
    /// </summary>
    internal long Now() => _clock.Now();

    private TimeSpan Elapsed(long from, long to) => TimeSpan.FromSeconds((to - from) / (double)Time.TimestampFrequency);

    private void EnsureHost(string operation)
    {
        if (_context.Current is not { IsHost: true })
        {
            throw new HostScopeRequiredException(
                $"{char.ToUpperInvariant(operation[0])}{operation[1..]} is reserved to the host; call it inside ITenantContextAccessor.BeginHostScope().");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "Tenant {Identifier} generation {Generation} built in {ElapsedMs:F1} ms.")]
        public static partial void Built(ILogger logger, string identifier, long generation, double elapsedMs);

        [LoggerMessage(3002, LogLevel.Error, "Tenant {Identifier} generation {Generation} failed to build; next attempt in {RetryAfter}.")]
        public static partial void BuildFailed(ILogger logger, Exception exception, string identifier, long generation, TimeSpan retryAfter);

        [LoggerMessage(3003, LogLevel.Information, "Tenant {Identifier} generation {Generation} unloaded ({Reason}).")]
        public static partial void Unloaded(ILogger logger, string identifier, long generation, TenantUnloadReason reason);

        [LoggerMessage(3004, LogLevel.Warning, "Tenant {Identifier} generation {Generation} is still draining after {Timeout}: {Leases} lease(s) still out. It will not be disposed until they are released.")]
        public static partial void DrainSlow(ILogger logger, string identifier, long generation, int leases, TimeSpan timeout);

        [LoggerMessage(3005, LogLevel.Error, "Disposing tenant {Identifier} generation {Generation} failed.")]
        public static partial void DisposeFailed(ILogger logger, Exception exception, string identifier, long generation);

        [LoggerMessage(3006, LogLevel.Error, "A hosted service of tenant {Identifier} failed to stop.")]
        public static partial void HostedServiceStopFailed(ILogger logger, Exception exception, string identifier);

        [LoggerMessage(3007, LogLevel.Error, "An unload hook of tenant {Identifier} failed.")]
        public static partial void UnloadHookFailed(ILogger logger, Exception exception, string identifier);

        [LoggerMessage(3008, LogLevel.Information, "Loading {Count} tenant(s) eagerly.")]
        public static partial void EagerLoading(ILogger logger, int count);

        [LoggerMessage(3009, LogLevel.Error, "Eager loading of tenant {Identifier} failed; it will be retried on first use.")]
        public static partial void EagerLoadFailed(ILogger logger, Exception exception, string identifier);

        [LoggerMessage(3013, LogLevel.Error, "Eager loading skipped: the tenant store is unavailable. Tenants will be built on first use.")]
        public static partial void EagerLoadingSkipped(ILogger logger, Exception exception);

        [LoggerMessage(3011, LogLevel.Warning, "Shutdown ended with {Count} tenant generation(s) still draining.")]
        public static partial void ShutdownIncomplete(ILogger logger, int count);

        [LoggerMessage(3012, LogLevel.Error, "Handling {Kind} of tenant {Identifier} failed.")]
        public static partial void ChangeHandlingFailed(ILogger logger, Exception exception, TenantChangeKind kind, string identifier);
    }
}
