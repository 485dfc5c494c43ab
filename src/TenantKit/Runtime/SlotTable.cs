using System.Collections.Concurrent;
using System.Numerics;

namespace TenantKit.Runtime;

/// <summary>
/// The runtime's slots, one per tenant it holds (by id), the count of resident tenants, and a fixed table that
/// recalls a slot by the identity of the catalog snapshot it was last found for. The catalog hands every request the
/// same snapshot object while a tenant is unchanged, so the warm path finds the slot without hashing the tenant id.
/// </summary>
/// <remarks>
/// The recall table is indexed by the snapshot's <see cref="TenantInfo.SnapshotNumber"/> (object identity) and holds slot
/// references only; a slot remembers the snapshot it was recalled for (<see cref="TenantSlot.Snapshot"/>, always a
/// snapshot of its own tenant), so a hit is verified by one reference comparison, and no pair needs to be written
/// atomically. A miss (a collision, a new snapshot, a slot that no longer serves) falls back to the id dictionary and
/// overwrites the entry: no allocation either way. Stale entries only cost a miss; a removed slot never serves again.
/// </remarks>
internal sealed class SlotTable
{
    private readonly ConcurrentDictionary<string, TenantSlot> _slots = new(StringComparer.Ordinal);
    private readonly TenantSlot?[] _recall;
    private readonly int _mask;
    private int _resident;

    /// <param name="capacity">The runtime's capacity, if any: the recall table has twice as many entries (1,024 to 65,536; 8,192 without a capacity).</param>
    public SlotTable(int? capacity)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(capacity is { } cap ? cap * 2L : 8_192, 1_024, 65_536));
        _recall = new TenantSlot?[size];
        _mask = size - 1;
    }

    public int Count => _slots.Count;

    /// <summary>Tenants with a serving generation.</summary>
    public int Resident => Volatile.Read(ref _resident);

    public void AddResident() => Interlocked.Increment(ref _resident);

    public void RemoveResident() => Interlocked.Decrement(ref _resident);

    /// <summary>The generation serving <paramref name="tenant"/>, or <see langword="null"/>. The warm path.</summary>
    public TenantGeneration? FindServing(TenantInfo tenant)
    {
        ref var entry = ref _recall[tenant.SnapshotNumber & _mask];
        var slot = entry;
        if (slot is not null && ReferenceEquals(slot.Snapshot, tenant) && slot.Current is { } serving)
        {
            return serving;
        }

        if (!_slots.TryGetValue(tenant.Id, out slot))
        {
            return null;
        }

        Remember(ref entry, slot, tenant);
        return slot.Current;
    }

    /// <summary>The tenant's slot, made if it has none; a new slot continues the generation numbers of its last unload.</summary>
    public TenantSlot GetOrAdd(TenantInfo tenant, UnloadHistory history)
    {
        var slot = _slots.GetOrAdd(
            tenant.Id,
            static (id, state) => new TenantSlot(id, state.Tenant.Identifier) { LastGeneration = state.History.LastGeneration(id) },
            (Tenant: tenant, History: history));
        Remember(ref _recall[tenant.SnapshotNumber & _mask], slot, tenant);
        return slot;
    }

    public bool TryGet(string tenantId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TenantSlot? slot) => _slots.TryGetValue(tenantId, out slot);

    public bool Contains(string tenantId) => _slots.ContainsKey(tenantId);

    /// <summary>Forgets a slot that holds nothing. Caller holds the slot's gate.</summary>
    public void RemoveIfUnused(TenantSlot slot)
    {
        if (slot.Current is null && slot.Building is null && slot.Failures == 0 && !slot.Removed)
        {
            slot.Removed = true;
            _slots.TryRemove(new KeyValuePair<string, TenantSlot>(slot.TenantId, slot));
        }
    }

    /// <summary>Enumerates the slots without a lock or a copy (a <c>foreach</c> sees a moving table).</summary>
    public IEnumerator<KeyValuePair<string, TenantSlot>> GetEnumerator() => _slots.GetEnumerator();

    private static void Remember(ref TenantSlot? entry, TenantSlot slot, TenantInfo tenant)
    {
        // The snapshot first: a reader that finds the slot in the entry checks the snapshot it holds, whichever it is.
        slot.Snapshot = tenant;
        entry = slot;
    }
}
