using System.Collections.Concurrent;

namespace TenantKit.Runtime;

/// <summary>
/// Tenants the change feed announced suspended (at which version) or deleted, so a caller still holding an older, active
/// snapshot (resolved just before the change) cannot build the tenant back into memory. Bounded like the unload history.
/// </summary>
internal sealed class TenantTombstones
{
    private readonly ConcurrentDictionary<string, Tombstone> _gone = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>Remembers a suspension (<paramref name="suspended"/> is the suspended snapshot) or a deletion (<see langword="null"/>).</summary>
    public void MarkGone(string tenantId, TenantInfo? suspended)
    {
        _gone[tenantId] = new Tombstone(suspended);
        _order.Enqueue(tenantId);
        while (_order.Count > UnloadHistory.MaxEntries && _order.TryDequeue(out var oldest))
        {
            if (_order.Count >= UnloadHistory.MaxEntries)
            {
                _gone.TryRemove(oldest, out _);
            }
        }
    }

    /// <summary>Forgets a suspension that <paramref name="tenant"/> (active, and newer) supersedes.</summary>
    public void Forget(TenantInfo tenant)
    {
        if (tenant.IsActive && _gone.TryGetValue(tenant.Id, out var tombstone) && tombstone.Suspended is { } suspended && tenant.Version > suspended.Version)
        {
            _gone.TryRemove(new KeyValuePair<string, Tombstone>(tenant.Id, tombstone));
        }
    }

    /// <summary>The error a caller holding <paramref name="tenant"/> gets because the tenant is gone, or <see langword="null"/>.</summary>
    public TenantKitException? ErrorFor(TenantInfo tenant)
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
}
