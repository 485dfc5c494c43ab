using Microsoft.Extensions.Logging;
using TenantKit.Diagnostics;

namespace TenantKit.Runtime;

/// <summary>
/// Decides when a tenant's container is built: one build per tenant at a time (concurrent acquirers wait on it), at
/// most <see cref="TenantRuntimeOptions.MaxConcurrentBuilds"/> builds in flight, a growing back-off after a failure,
/// and reloads queued behind a build in flight. A finished build is installed in its slot (the generation it replaces
/// drains) or, when the tenant was unloaded meanwhile, discarded without ever serving.
/// </summary>
internal sealed class BuildScheduler : IDisposable
{
    private readonly SlotTable _slots;
    private readonly UnloadHistory _history;
    private readonly TenantUnloader _unloader;
    private readonly TenantEvictor _evictor;
    private readonly GenerationBuilder _builder;
    private readonly RuntimeLifetime _lifetime;
    private readonly RuntimeClock _clock;
    private readonly TenantRuntimeOptions _options;
    private readonly TenantKitMetrics _metrics;
    private readonly ILogger _logger;
    private readonly BuildGate _gate;
    private int _building;
    private long _builds;
    private long _failedBuilds;

    public BuildScheduler(
        SlotTable slots,
        UnloadHistory history,
        TenantUnloader unloader,
        TenantEvictor evictor,
        GenerationBuilder builder,
        RuntimeLifetime lifetime,
        RuntimeClock clock,
        TenantRuntimeOptions options,
        TenantKitMetrics metrics,
        ILogger logger)
    {
        _slots = slots;
        _history = history;
        _unloader = unloader;
        _evictor = evictor;
        _builder = builder;
        _lifetime = lifetime;
        _clock = clock;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _gate = new BuildGate(options.MaxConcurrentBuilds);
    }

    /// <summary>Builds in flight.</summary>
    public int Building => Volatile.Read(ref _building);

    /// <summary>Successful builds since start.</summary>
    public long Builds => Interlocked.Read(ref _builds);

    /// <summary>Failed builds since start.</summary>
    public long FailedBuilds => Interlocked.Read(ref _failedBuilds);

    /// <summary>
    /// Starts a build on the thread pool (never inline, so it never runs under the slot's gate). Caller holds the
    /// slot's gate and has checked there is no build in flight.
    /// </summary>
    public void Start(TenantSlot slot, TenantInfo tenant)
    {
        slot.BuildingFor = tenant;
        slot.CancelBuild = false;
        slot.Identifier = tenant.Identifier;
        var number = ++slot.LastGeneration;
        Interlocked.Increment(ref _building);
        slot.Building = Task.Run(() => BuildAsync(slot, tenant, number));
    }

    /// <summary>Whether the slot's last build failed and its back-off has not elapsed. Caller holds the slot's gate.</summary>
    public bool IsBackingOff(TenantSlot slot, long now) => slot.Failures > 0 && now < slot.RetryAt;

    /// <summary>
    /// Builds a new generation of a resident tenant from <paramref name="tenant"/>. Unless <paramref name="force"/> (a
    /// host's reload request, same data), a snapshot no newer than what is serving or building changes nothing. A
    /// suspended snapshot unloads the tenant instead.
    /// </summary>
    /// <returns>A task that completes when the new generation serves, or at once when nothing is to be built.</returns>
    public Task ReloadAsync(TenantInfo tenant, bool respectBackoff = false, bool force = false)
    {
        if (!tenant.IsActive)
        {
            _unloader.Unload(tenant.Id, TenantUnloadReason.Suspended, tenant);
            return Task.CompletedTask;
        }

        if (!_slots.TryGet(tenant.Id, out var slot) || _lifetime.IsStopping)
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
                return QueueReload(slot, building, tenant, force);
            }

            if (slot.Current is null)
            {
                // Not resident (backing off after a failure, perhaps): the next acquire builds from fresh data now.
                slot.Failures = 0;
                _slots.RemoveIfUnused(slot);
                return Task.CompletedTask;
            }

            if ((!force && slot.Current.Tenant.Version > tenant.Version) || (respectBackoff && IsBackingOff(slot, _clock.Now())))
            {
                return Task.CompletedTask;
            }

            Start(slot, tenant);
            return slot.Building!;
        }
    }

    /// <summary>How many builds are queued for a slot (for tests that prove the cap without waiting on time).</summary>
    public int WaitingForASlot => _gate.Waiting;

    public void Dispose() => _gate.Dispose();

    /// <summary>A reload that arrives while a build runs: queued behind it, unless the running build is already as new.</summary>
    private static Task QueueReload(TenantSlot slot, Task building, TenantInfo tenant, bool force)
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

    private async Task<TenantGeneration> BuildAsync(TenantSlot slot, TenantInfo tenant, long number)
    {
        var started = _clock.Time.GetTimestamp();
        TenantGeneration generation;
        try
        {
            generation = await BuildWithinCapAsync(tenant, number).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw OnFailed(slot, tenant, number, ex, started);
        }

        var outcome = Install(slot, tenant, generation);
        return Finish(slot, tenant, generation, outcome, started);
    }

    /// <summary>Waits for a place under the global cap on builds in flight, then builds.</summary>
    private async Task<TenantGeneration> BuildWithinCapAsync(TenantInfo tenant, long number)
    {
        var token = _lifetime.ShutdownToken;
        await _gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            return await _builder.BuildAsync(tenant, number, token).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A failed build: the slot backs off, a reload queued behind it gets its error. Returns the error to throw. A build
    /// that fails once the runtime is stopping, or after its tenant was suspended or deleted, leaves no failure record:
    /// its callers get the shutdown, the suspension or the deletion, not a load failure.
    /// </summary>
    private Exception OnFailed(TenantSlot slot, TenantInfo tenant, long number, Exception error, long started)
    {
        Interlocked.Increment(ref _failedBuilds);
        _metrics.Build(false, _clock.Time.GetElapsedTime(started));
        var retry = TimeSpan.Zero;
        TaskCompletionSource? dropped;
        Exception? gone = null;
        var stopping = _lifetime.IsStopping;
        lock (slot.Gate)
        {
            slot.Building = null;
            slot.BuildingFor = null;
            dropped = DropQueuedReload(slot);
            if (slot.CancelBuild)
            {
                gone = CancelError(slot, tenant, slot.CancelReason);
                slot.CancelBuild = false;
            }

            if (!stopping && gone is null)
            {
                slot.Failures++;
                retry = Backoff(slot.Failures);
                slot.RetryAt = _clock.Now() + _clock.ToTicks(retry);
                slot.LastError = error;
            }

            _slots.RemoveIfUnused(slot);
        }

        Interlocked.Decrement(ref _building);
        Exception failure;
        if (stopping)
        {
            failure = RuntimeLifetime.ShuttingDown();
        }
        else if (gone is not null)
        {
            failure = gone;
        }
        else
        {
            RuntimeLog.BuildFailed(_logger, error, tenant.Identifier, number, retry);
            failure = new TenantLoadException(tenant.Id, tenant.Identifier, retry, error);
        }

        // Callers of a reload queued behind this build get its outcome, never a wait that does not end.
        dropped?.TrySetException(failure);
        return failure;
    }

    /// <summary>
    /// What the callers of a build cancelled for <paramref name="reason"/> are told: the suspension or the deletion, or
    /// nothing (they try again, and build afresh). Caller holds the slot's gate.
    /// </summary>
    private static Exception? CancelError(TenantSlot slot, TenantInfo tenant, TenantUnloadReason reason) => reason switch
    {
        TenantUnloadReason.Suspended => new TenantSuspendedException(slot.CancelTenant ?? tenant),
        TenantUnloadReason.Deleted => new TenantNotFoundException(tenant.Identifier),
        TenantUnloadReason.Shutdown => RuntimeLifetime.ShuttingDown(),
        _ => null,
    };

    /// <summary>
    /// Under the slot's gate: the generation serves (and a queued reload starts), or, when the tenant was unloaded
    /// while it was building or the runtime is stopping, it is discarded.
    /// </summary>
    private BuildOutcome Install(TenantSlot slot, TenantInfo tenant, TenantGeneration generation)
    {
        lock (slot.Gate)
        {
            slot.Building = null;
            slot.BuildingFor = null;
            slot.Failures = 0;
            slot.LastError = null;
            if (slot.CancelBuild || _lifetime.IsStopping)
            {
                // Callers waiting for it get the reason, except after a host unload request, where they simply try
                // again (and build afresh).
                var reason = _lifetime.IsStopping ? TenantUnloadReason.Shutdown : slot.CancelReason;
                var error = CancelError(slot, tenant, reason);
                slot.CancelBuild = false;
                var dropped = DropQueuedReload(slot);
                _history.Record(slot.TenantId, generation, reason);
                _slots.RemoveIfUnused(slot);
                return BuildOutcome.Discard(reason, error, dropped);
            }

            var replaced = slot.Current;
            generation.Activate(_clock.Now());
            slot.Current = generation;
            if (replaced is null)
            {
                _slots.AddResident();
            }

            StartQueuedReload(slot);
            return BuildOutcome.Serve(replaced);
        }
    }

    /// <summary>Outside the gate: counts the build, drains what left service, and reports the outcome to the callers.</summary>
    private TenantGeneration Finish(TenantSlot slot, TenantInfo tenant, TenantGeneration generation, BuildOutcome outcome, long started)
    {
        if (outcome.Discarded)
        {
            // Handed to the drain before the build stops counting as in flight, so shutdown never misses it.
            generation.BeginDrain(outcome.Reason);
        }

        Interlocked.Decrement(ref _building);
        Interlocked.Increment(ref _builds);
        _metrics.Build(true, _clock.Time.GetElapsedTime(started));
        if (outcome.Discarded)
        {
            if (outcome.Error is null)
            {
                outcome.Dropped?.TrySetResult();
                return generation;
            }

            outcome.Dropped?.TrySetException(outcome.Error);
            throw outcome.Error;
        }

        RuntimeLog.Built(_logger, tenant.Identifier, generation.Number, _clock.Time.GetElapsedTime(started).TotalMilliseconds);
        if (outcome.Replaced is { } replaced)
        {
            replaced.BeginDrain(TenantUnloadReason.Reload);
            _history.Record(slot.TenantId, replaced, TenantUnloadReason.Reload);
        }

        // Before the callers get their lease: past the cap, the least recently used idle tenant goes now (see TenantEvictor).
        _evictor.EnforceCapacity();
        return generation;
    }

    /// <summary>Starts the reload queued behind the build that just finished. Caller holds the slot's gate.</summary>
    private void StartQueuedReload(TenantSlot slot)
    {
        if (!slot.ReloadQueued || slot.QueuedTenant is not { } queued)
        {
            return;
        }

        slot.ReloadQueued = false;
        slot.QueuedTenant = null;
        Start(slot, queued);
        if (slot.QueuedReload is { } waiting)
        {
            slot.QueuedReload = null;
            CompleteWhenBuilt(slot.Building!, waiting);
        }
    }

    /// <summary>Forgets the queued reload and returns what its callers wait on. Caller holds the slot's gate.</summary>
    private static TaskCompletionSource? DropQueuedReload(TenantSlot slot)
    {
        slot.ReloadQueued = false;
        slot.QueuedTenant = null;
        var dropped = slot.QueuedReload;
        slot.QueuedReload = null;
        return dropped;
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

    private TimeSpan Backoff(int failures)
    {
        var delay = _options.BuildRetryDelay * Math.Pow(2, Math.Min(failures - 1, 30));
        return delay > _options.MaxBuildRetryDelay ? _options.MaxBuildRetryDelay : delay;
    }

    /// <summary>What a finished build did: served (replacing a generation, or none) or was discarded (why, with what error).</summary>
    private readonly record struct BuildOutcome(bool Discarded, TenantGeneration? Replaced, TenantUnloadReason Reason, Exception? Error, TaskCompletionSource? Dropped)
    {
        public static BuildOutcome Serve(TenantGeneration? replaced) => new(false, replaced, default, null, null);

        public static BuildOutcome Discard(TenantUnloadReason reason, Exception? error, TaskCompletionSource? dropped) => new(true, null, reason, error, dropped);
    }
}
