namespace TenantKit.Runtime;

/// <summary>
/// Local unloads: the idle sweep (a resident tenant with no lease for <see cref="TenantRuntimeOptions.IdleTimeout"/>)
/// and the capacity rule (past <see cref="TenantRuntimeOptions.Capacity"/>, the least recently used idle tenants go,
/// down to 1% under the cap). A timer on the runtime's <see cref="TimeProvider"/> drives both.
/// </summary>
/// <remarks>
/// The capacity bound: resident tenants never exceed the capacity, except for tenants with a lease out and tenants
/// just built whose callers have not taken their lease yet. It holds at every moment because the rule runs where the
/// count can grow or an exception can end: a build that took the runtime past the cap checks before its callers get
/// their lease (<see cref="EnforceCapacity"/>, on the build's own thread), and a check that cannot get under the cap
/// marks the generations it had to keep; the last lease released on a marked generation offers it to the rule again
/// (<see cref="OnMarkedGenerationReleased"/>), so it goes before its releaser returns if the runtime is still past the
/// cap. An unmarked generation pays nothing for this on its lease path.
/// </remarks>
internal sealed class TenantEvictor : IDisposable
{
    private readonly SlotTable _slots;
    private readonly TenantUnloader _unloader;
    private readonly RuntimeLifetime _lifetime;
    private readonly RuntimeClock _clock;
    private readonly int? _capacity;
    private readonly long _idleTicks;
    private readonly Lock _capacityGate = new();

    // The capacity check's state, guarded by _capacityGate: the least recently used idle generations found by its
    // last scan (the least recent on top), and the scan's reusable heap.
    private readonly Stack<CapacityCandidate> _candidates = new();
    private readonly PriorityQueue<CapacityCandidate, long> _heap = new();
    private int _scans;
    private ITimer? _sweeper;

    public TenantEvictor(SlotTable slots, TenantUnloader unloader, RuntimeLifetime lifetime, RuntimeClock clock, TenantRuntimeOptions options)
    {
        _slots = slots;
        _unloader = unloader;
        _lifetime = lifetime;
        _clock = clock;
        _capacity = options.Capacity;
        _idleTicks = options.IdleTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : clock.ToTicks(options.IdleTimeout);
        if (_idleTicks != long.MaxValue || _capacity is not null)
        {
            var interval = options.EffectiveSweepInterval;
            _sweeper = clock.Time.CreateTimer(static s => ((TenantEvictor)s!).Sweep(), this, interval, interval);
        }
    }

    /// <summary>How many times a capacity check has visited every resident tenant. For tests.</summary>
    public int CapacityScans
    {
        get
        {
            lock (_capacityGate)
            {
                return _scans;
            }
        }
    }

    /// <summary>Unloads idle tenants and enforces the capacity. The timer calls it; tests may too.</summary>
    public void Sweep()
    {
        if (_lifetime.IsStopping)
        {
            return;
        }

        if (_idleTicks != long.MaxValue)
        {
            var now = _clock.Now();

            // Enumerating the table itself takes no lock and copies nothing.
            foreach (var (_, slot) in _slots)
            {
                var generation = slot.Current;
                if (generation is not null && generation.Leases == 0 && now - generation.LastAccess >= _idleTicks)
                {
                    _unloader.TryUnloadUnleased(slot, generation, TenantUnloadReason.Idle);
                }
            }
        }

        EnforceCapacity();
    }

    /// <summary>
    /// Unloads the least recently used idle tenants while the runtime is past its capacity; when the idle ones are not
    /// enough, marks those it had to keep (see the remarks on the class). The build that took the runtime past the cap
    /// calls it before handing out its generation; the sweeper and tests may too.
    /// </summary>
    public void EnforceCapacity()
    {
        if (_capacity is not { } capacity || _slots.Resident <= capacity)
        {
            return;
        }

        // One check at a time (the sweeper, the check queued after a build, a test): two checks that chose their
        // victims from the same count would together unload more tenants than the excess.
        lock (_capacityGate)
        {
            if (_slots.Resident <= capacity)
            {
                return;
            }

            // Unload down to 1% under the cap (none below a capacity of 100), so a check is queued once per ~1% of the
            // capacity in builds, not after every build.
            var target = capacity - (capacity / 100);
            var scanned = false;
            while (_slots.Resident > target)
            {
                if (!_candidates.TryPop(out var candidate))
                {
                    if (scanned)
                    {
                        break; // Every idle tenant has been tried; the rest hold leases.
                    }

                    // A scan visits every resident tenant (a few cache misses each: milliseconds at 10,000), so it
                    // keeps the least recently used 5% of the capacity, and the next checks unload from that list.
                    FindLeastRecentlyUsed(Math.Max(_slots.Resident - target, capacity / 20));
                    scanned = true;
                    continue;
                }

                // Untouched since the scan, it is still among the least recently used: everything the scan left out
                // was used more recently, and use only moves a generation's last access later. One used since,
                // reloaded or gone is dropped from the list.
                var generation = candidate.Slot.Current;
                if (generation is not null && generation.Number == candidate.Generation && generation.LastAccess == candidate.LastAccess)
                {
                    _unloader.TryUnloadForCapacity(candidate.Slot, generation, mark: false);
                }
            }

            if (_slots.Resident > capacity)
            {
                MarkKept(capacity);
            }
        }
    }

    /// <summary>
    /// Past the cap with no idle tenant left to unload: every generation still serving is unloaded if it has become
    /// idle since, or marked, so that its last release brings it back to the rule. Caller holds the capacity gate.
    /// </summary>
    private void MarkKept(int capacity)
    {
        foreach (var (_, slot) in _slots)
        {
            if (_slots.Resident <= capacity)
            {
                return;
            }

            if (slot.Current is { } generation)
            {
                _unloader.TryUnloadForCapacity(slot, generation, mark: true);
            }
        }
    }

    /// <summary>
    /// The last lease of a generation the capacity rule marked was released (on the releasing thread): while the
    /// runtime is still past its capacity, the generation goes now; otherwise its mark is removed.
    /// </summary>
    public void OnMarkedGenerationReleased(TenantGeneration generation)
    {
        if (_capacity is not { } capacity || !_slots.TryGet(generation.Tenant.Id, out var slot))
        {
            generation.ClearCapacityMark();
            return;
        }

        lock (_capacityGate)
        {
            if (_slots.Resident > capacity && !_lifetime.IsStopping)
            {
                // Leased again meanwhile: it stays marked, and its next last release comes back here.
                _unloader.TryUnloadForCapacity(slot, generation, mark: true);
            }
            else
            {
                generation.ClearCapacityMark();
            }
        }
    }

    /// <summary>Stops the sweep timer.</summary>
    public void Dispose()
    {
        _sweeper?.Dispose();
        _sweeper = null;
    }

    /// <summary>
    /// Fills the candidate list with the <paramref name="count"/> least recently used unleased generations, the least
    /// recently used first. Caller holds the capacity gate.
    /// </summary>
    private void FindLeastRecentlyUsed(int count)
    {
        // A bounded heap whose root is the most recently used of those kept: a generation used more recently than the
        // root (most of them, once the heap is full) is compared with it and dropped without reordering the heap.
        _scans++;
        var heap = _heap;
        heap.Clear();
        _candidates.Clear();
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
            _candidates.Push(candidate);
        }
    }
}
