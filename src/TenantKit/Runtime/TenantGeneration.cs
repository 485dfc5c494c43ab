using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TenantKit.Internal;
using TenantKit.Runtime.Container;

namespace TenantKit.Runtime;

/// <summary>
/// One build of a tenant's container, and its leases. Its state and lease count live in one
/// <see cref="GenerationLifecycle"/> word, which judges every transition: no lease can be taken once draining has
/// begun, and the generation is disposed exactly once, after the last lease is released.
/// </summary>
internal sealed class TenantGeneration
{
    private readonly GenerationDrainer _drainer;
    private readonly TenantEvictor _evictor;
    private readonly CoarseClock _clock;
    private readonly LeaseRecord _primary0;
    private readonly LeaseRecord _primary1;
    private readonly TaskCompletionSource _leasesGone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GenerationLifecycle _lifecycle = new();
    private LeaseRecordPool? _spares;
    private long _lastAccess;

    private Verdict? _verdict;

    public TenantGeneration(TenantInfo tenant, long number, ContainerScope services, CoarseClock clock, GenerationDrainer drainer, TenantEvictor evictor)
    {
        _evictor = evictor;
        Tenant = tenant;
        Number = number;
        Services = services;
        ScopeFactory = services.GetRequiredService<IServiceScopeFactory>();
        _clock = clock;
        _drainer = drainer;
        _primary0 = new LeaseRecord(this, primary: 0);
        _primary1 = new LeaseRecord(this, primary: 1);
        _lastAccess = clock.Now();
    }

    public TenantInfo Tenant { get; }

    public long Number { get; }

    public ContainerScope Services { get; }

    public IServiceScopeFactory ScopeFactory { get; }

    public IHostedService[] HostedServices { get; set; } = [];

    public TenantUnloadReason? UnloadReason { get; private set; }

    /// <summary>When draining began, in the runtime clock's ticks; 0 before.</summary>
    public long DrainingSince { get; private set; }

    public TenantGenerationState State => _lifecycle.State;

    public int Leases => _lifecycle.Leases;

    public long LastAccess => Volatile.Read(ref _lastAccess);

    /// <summary>Completes when the container has been disposed.</summary>
    public Task Disposal => _disposed.Task;

    /// <summary>Completes when the generation is draining and its last lease has been released.</summary>
    public Task LeasesGone => _leasesGone.Task;

    /// <summary>Marks the generation serving; its idle clock starts now, not when its build began.</summary>
    public void Activate(long now)
    {
        Volatile.Write(ref _lastAccess, now);
        _lifecycle.Activate();
    }

    /// <summary>Marks a generation whose build failed after it was made (its container is disposed by the builder).</summary>
    public void Fail() => _lifecycle.Fail();

    /// <summary>Takes a lease if the generation is serving. Allocates nothing unless many leases are out at once.</summary>
    public bool TryLease(out TenantLease lease)
    {
        if (!_lifecycle.TryAcquire(out var primary, out var token))
        {
            lease = default;
            return false;
        }

        if (primary >= 0)
        {
            lease = new TenantLease(primary == 0 ? _primary0 : _primary1, token);
        }
        else
        {
            var spares = Volatile.Read(ref _spares) ?? CreateSpares();
            var record = spares.Rent(out var spareToken);
            lease = new TenantLease(record, spareToken);
        }

        return true;
    }

    /// <summary>
    /// Releases primary record <paramref name="primary"/>'s claim named by <paramref name="token"/>. Returns
    /// <see langword="false"/>, having changed nothing, when the token is stale (that claim was already released).
    /// </summary>
    public bool TryReleasePrimary(int primary, uint token)
    {
        // Stamped before the count drops, so an idle or capacity check that sees no lease sees this access too.
        Volatile.Write(ref _lastAccess, _clock.Now());
        if (!_lifecycle.TryReleasePrimary(primary, token, out var gone))
        {
            return false;
        }

        if (gone)
        {
            OnLastLeaseReleased();
        }

        return true;
    }

    /// <summary>Releases a lease whose spare record has already checked and moved its own version.</summary>
    public void ReleaseSpare()
    {
        Volatile.Write(ref _lastAccess, _clock.Now());
        _lifecycle.ReleaseSpare(out var gone);
        if (gone)
        {
            OnLastLeaseReleased();
        }
    }

    /// <summary>
    /// Whether a caller holding <paramref name="tenant"/>, a newer snapshot than this generation's, must wait for a
    /// generation built from it (<see cref="TenantRuntimeOptions.RequiresNewGeneration"/>). The answer for the last
    /// snapshot asked about is kept: the catalog hands every request the same snapshot while a rebuild runs.
    /// </summary>
    public bool MustWaitFor(TenantInfo tenant, TenantRuntimeOptions options)
    {
        var last = Volatile.Read(ref _verdict);
        if (last is not null && ReferenceEquals(last.Snapshot, tenant))
        {
            return last.Wait;
        }

        var wait = options.NeedsNewGeneration(Tenant, tenant);
        Volatile.Write(ref _verdict, new Verdict(tenant, wait));
        return wait;
    }

    /// <summary>
    /// The capacity rule's move (see <see cref="GenerationLifecycle.TryDrainOrMarkForCapacity"/>); starts the drain when
    /// the generation was unleased. Caller holds the slot's gate and has checked that the generation serves it.
    /// </summary>
    public CapacityVerdict TryDrainOrMarkForCapacity(bool mark)
    {
        var verdict = _lifecycle.TryDrainOrMarkForCapacity(mark);
        if (verdict == CapacityVerdict.Drained)
        {
            StartDrain(TenantUnloadReason.Capacity, leasesOut: 0);
        }

        return verdict;
    }

    /// <summary>Whether the capacity rule marked this generation.</summary>
    public bool IsMarkedForCapacity => _lifecycle.IsMarkedForCapacity;

    /// <summary>Removes the capacity mark.</summary>
    public void ClearCapacityMark() => _lifecycle.ClearCapacityMark();

    /// <summary>The last lease of a draining generation (its drain goes on), or of one the capacity rule kept past the cap.</summary>
    private void OnLastLeaseReleased()
    {
        if (State == TenantGenerationState.Active)
        {
            _evictor.OnMarkedGenerationReleased(this);
        }
        else
        {
            _leasesGone.TrySetResult();
        }
    }

    /// <summary>Starts draining only if no lease is out (idle and capacity unloads). Returns whether it started.</summary>
    public bool TryBeginDrainIfUnleased(TenantUnloadReason reason)
    {
        if (!_lifecycle.TryBeginDrainIfUnleased())
        {
            return false;
        }

        StartDrain(reason, leasesOut: 0);
        return true;
    }

    /// <summary>Starts draining whatever the leases; does nothing when the generation is already draining or disposed.</summary>
    public void BeginDrain(TenantUnloadReason reason)
    {
        if (_lifecycle.TryBeginDrain(out var leasesOut))
        {
            StartDrain(reason, leasesOut);
        }
    }

    /// <summary>Called by the drain once the container is disposed (or its disposal failed).</summary>
    public void CompleteDisposal()
    {
        _lifecycle.MarkDisposed();
        _disposed.TrySetResult();
    }

    private void StartDrain(TenantUnloadReason reason, int leasesOut)
    {
        UnloadReason = reason;
        DrainingSince = _clock.Now();
        if (leasesOut == 0)
        {
            _leasesGone.TrySetResult();
        }

        _drainer.Start(this);
    }

    private sealed record Verdict(TenantInfo Snapshot, bool Wait);

    private LeaseRecordPool CreateSpares()
    {
        Interlocked.CompareExchange(ref _spares, new LeaseRecordPool(this), null);
        return _spares!;
    }
}
