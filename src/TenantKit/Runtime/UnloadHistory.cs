using System.Collections.Concurrent;

namespace TenantKit.Runtime;

/// <summary>
/// How each tenant last left memory (reason, time, generation number), kept after its slot is gone so the status
/// still answers and a slot made afresh continues the generation numbers. Bounded to <see cref="MaxEntries"/> tenants
/// without a slot; the oldest are forgotten first.
/// </summary>
internal sealed class UnloadHistory(SlotTable slots, TimeProvider time)
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, UnloadRecord> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public void Record(string tenantId, TenantGeneration generation, TenantUnloadReason reason)
    {
        _records[tenantId] = new UnloadRecord(generation.Tenant.Identifier, generation.Number, reason, time.GetUtcNow());
        _order.Enqueue(tenantId);
        while (_order.Count > MaxEntries && _order.TryDequeue(out var oldest))
        {
            if (!slots.Contains(oldest) && _order.Count >= MaxEntries)
            {
                _records.TryRemove(oldest, out _);
            }
        }
    }

    public bool TryGet(string tenantId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UnloadRecord? record) => _records.TryGetValue(tenantId, out record);

    /// <summary>The number of the tenant's last unloaded generation, or 0.</summary>
    public long LastGeneration(string tenantId) => _records.TryGetValue(tenantId, out var last) ? last.Generation : 0;
}
