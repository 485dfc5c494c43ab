using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TenantKit.Runtime.Container;

namespace TenantKit.Runtime;

/// <summary>
/// One build of a tenant's container. The lease count and the draining flag share one integer, so "take a lease"
/// and "start draining" are ordered by one atomic operation: no lease can be taken once draining has begun, and the
/// generation is disposed exactly once, by whoever sees the count reach zero while draining.
/// </summary>
internal sealed class TenantGeneration
{
    private const int DrainingFlag = 1 << 30;
    private const int CountMask = DrainingFlag - 1;

    private readonly TenantRuntime _runtime;
    private readonly TaskCompletionSource _leasesGone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _leases;
    private int _state = (int)TenantGenerationState.Building;
    private long _lastAccess;

    public TenantGeneration(TenantRuntime runtime, TenantInfo tenant, long number, ContainerScope services, long createdAt)
    {
        _runtime = runtime;
        Tenant = tenant;
        Number = number;
        Services = services;
        ScopeFactory = services.GetRequiredService<IServiceScopeFactory>();
        _lastAccess = createdAt;
    }

    public TenantInfo Tenant { get; }

    public long Number { get; }

    public ContainerScope Services { get; }

    public IServiceScopeFactory ScopeFactory { get; }

    public IHostedService[] HostedServices { get; set; } = [];

    public TenantUnloadReason? UnloadReason { get; private set; }

    public TenantGenerationState State => (TenantGenerationState)Volatile.Read(ref _state);

    public int Leases => Volatile.Read(ref _leases) & CountMask;

    public bool IsDraining => (Volatile.Read(ref _leases) & DrainingFlag) != 0;

    public long LastAccess => Volatile.Read(ref _lastAccess);

    /// <summary>Completes when the container has been disposed.</summary>
    public Task Disposal => _disposed.Task;

    /// <summary>Marks the generation serving; its idle clock starts now, not when its build began.</summary>
    public void Activate(long now)
    {
        Volatile.Write(ref _lastAccess, now);
        Volatile.Write(ref _state, (int)TenantGenerationState.Active);
    }

    public bool TryAcquire()
    {
        var current = Volatile.Read(ref _leases);
        while ((current & DrainingFlag) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _leases, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    public void Release()
    {
        Volatile.Write(ref _lastAccess, _runtime.Now());

        // A compare-and-swap rather than a decrement: a second release of the same lease must never take the count
        // below zero, not even for an instant (the borrow would set the draining bit and let BeginDrain think
        // another caller had already started the drain, leaking the generation).
        var current = Volatile.Read(ref _leases);
        while (true)
        {
            if ((current & CountMask) == 0)
            {
                throw new InvalidOperationException($"A lease on tenant '{Tenant.Identifier}' was released more than once.");
            }

            var seen = Interlocked.CompareExchange(ref _leases, current - 1, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        if (current - 1 == DrainingFlag)
        {
            _leasesGone.TrySetResult();
        }
    }

    /// <summary>Starts draining only if no lease is out (idle and capacity unloads). Returns whether it started.</summary>
    public bool TryBeginDrainIfUnleased(TenantUnloadReason reason)
    {
        if (Interlocked.CompareExchange(ref _leases, DrainingFlag, 0) != 0)
        {
            return false;
        }

        StartDrain(reason, leasesOut: 0);
        return true;
    }

    /// <summary>Starts draining whatever the leases. Returns whether this call started it.</summary>
    public bool BeginDrain(TenantUnloadReason reason)
    {
        var before = Interlocked.Or(ref _leases, DrainingFlag);
        if ((before & DrainingFlag) != 0)
        {
            return false;
        }

        StartDrain(reason, before & CountMask);
        return true;
    }

    private void StartDrain(TenantUnloadReason reason, int leasesOut)
    {
        UnloadReason = reason;
        Volatile.Write(ref _state, (int)TenantGenerationState.Draining);
        if (leasesOut == 0)
        {
            _leasesGone.TrySetResult();
        }

        // Registered before the drain is queued, so a shutdown that starts now always waits for it.
        _runtime.TrackDrain(this);
        _ = Task.Run(DrainAsync);
    }

    private async Task DrainAsync()
    {
        try
        {
            await _runtime.DrainAsync(this, _leasesGone.Task).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _state, (int)TenantGenerationState.Disposed);
            _disposed.TrySetResult();
        }
    }
}
