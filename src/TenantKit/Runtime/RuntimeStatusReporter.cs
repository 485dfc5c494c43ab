namespace TenantKit.Runtime;

/// <summary>
/// Reads the runtime for operators: one tenant's status (serving generation, back-off, last unload, generations still
/// draining), every tenant's, and the totals. Reads only; nothing here changes the runtime.
/// </summary>
internal sealed class RuntimeStatusReporter(
    SlotTable slots,
    UnloadHistory history,
    GenerationDrainer drainer,
    BuildScheduler builds,
    RuntimeClock clock,
    TenantRuntimeOptions options)
{
    public TenantRuntimeCounts Counts
    {
        get
        {
            long leases = 0;
            foreach (var (_, slot) in slots)
            {
                leases += slot.Current?.Leases ?? 0;
            }

            return new TenantRuntimeCounts(slots.Resident, builds.Building, drainer.Count, leases, builds.Builds, builds.FailedBuilds, drainer.Unloads);
        }
    }

    public TenantRuntimeStatus? GetStatus(string tenantId)
    {
        var draining = DrainingOf(tenantId);
        if (slots.TryGet(tenantId, out var slot))
        {
            return Describe(slot, draining);
        }

        return DescribeUnloaded(tenantId, draining);
    }

    public IReadOnlyList<TenantRuntimeStatus> GetStatuses()
    {
        var draining = DrainingByTenant();
        var result = new List<TenantRuntimeStatus>(slots.Count + draining.Count);
        foreach (var (id, slot) in slots)
        {
            result.Add(Describe(slot, draining.Remove(id, out var own) ? own : default));
        }

        // Tenants no longer in memory whose old generations a request still holds.
        foreach (var (id, own) in draining)
        {
            if (DescribeUnloaded(id, own) is { } status)
            {
                result.Add(status);
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Identifier, b.Identifier));
        return result;
    }

    /// <summary>The version of the tenant this runtime serves or is building (the newer), or <see langword="null"/> when it holds neither.</summary>
    public long? GetLoadedVersion(string tenantId)
    {
        if (!slots.TryGet(tenantId, out var slot))
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

    private TenantRuntimeStatus Describe(TenantSlot slot, Drain draining)
    {
        lock (slot.Gate)
        {
            var generation = slot.Current;
            history.TryGet(slot.TenantId, out var last);
            DateTimeOffset? lastAccess = null;
            TimeSpan? idleLeft = null;
            var now = clock.Now();
            if (generation is not null)
            {
                var idle = clock.Elapsed(generation.LastAccess, now);
                lastAccess = clock.Time.GetUtcNow() - idle;
                if (options.IdleTimeout != Timeout.InfiniteTimeSpan && generation.Leases == 0)
                {
                    var left = options.IdleTimeout - idle;
                    idleLeft = left < TimeSpan.Zero ? TimeSpan.Zero : left;
                }
            }

            var failing = slot.Failures > 0;
            return new TenantRuntimeStatus(slot.TenantId, generation?.Tenant.Identifier ?? slot.Identifier)
            {
                IsResident = generation is not null,
                IsBuilding = slot.Building is not null,
                Generation = generation?.Number ?? slot.LastGeneration,
                LeasesOut = generation?.Leases ?? 0,
                LastAccess = lastAccess,
                IdleTimeLeft = idleLeft,
                LastUnloadReason = last?.Reason,
                LastUnloadAt = last?.At,
                LastError = failing ? slot.LastError?.Message : null,
                RetryAt = failing ? clock.ToUtc(slot.RetryAt) : null,
                DrainingLeases = draining.Leases,
                DrainingSince = draining.Since,
            };
        }
    }

    private TenantRuntimeStatus? DescribeUnloaded(string tenantId, Drain draining)
    {
        if (history.TryGet(tenantId, out var record))
        {
            return new TenantRuntimeStatus(tenantId, record.Identifier)
            {
                Generation = record.Generation,
                LastUnloadReason = record.Reason,
                LastUnloadAt = record.At,
                DrainingLeases = draining.Leases,
                DrainingSince = draining.Since,
            };
        }

        return null;
    }

    private Drain DrainingOf(string tenantId)
    {
        var result = default(Drain);
        foreach (var generation in drainer.Generations)
        {
            if (string.Equals(generation.Tenant.Id, tenantId, StringComparison.Ordinal))
            {
                result = result.With(generation, clock);
            }
        }

        return result;
    }

    private Dictionary<string, Drain> DrainingByTenant()
    {
        var result = new Dictionary<string, Drain>(StringComparer.Ordinal);
        foreach (var generation in drainer.Generations)
        {
            result[generation.Tenant.Id] = result.GetValueOrDefault(generation.Tenant.Id).With(generation, clock);
        }

        return result;
    }

    /// <summary>What a tenant's generations still draining add up to: their leases, and since when the oldest drains.</summary>
    private readonly record struct Drain(int Leases, DateTimeOffset? Since)
    {
        public Drain With(TenantGeneration generation, RuntimeClock clock)
        {
            var since = clock.ToUtc(generation.DrainingSince);
            return new(Leases + generation.Leases, Since is { } earlier && earlier <= since ? earlier : since);
        }
    }
}
