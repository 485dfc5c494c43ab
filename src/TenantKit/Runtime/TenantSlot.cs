namespace TenantKit.Runtime;

/// <summary>The runtime's record of one tenant: its serving generation, a build in flight, and failure back-off.</summary>
internal sealed class TenantSlot(string tenantId, string identifier)
{
    public string TenantId { get; } = tenantId;

    public Lock Gate { get; } = new();

    /// <summary>The runtime that owns this slot (a snapshot may be used with several runtimes in one process).</summary>
    public object? Owner { get; init; }

    /// <summary>The serving generation; read without the gate on the hot path, written under it.</summary>
    public volatile TenantGeneration? Current;

    // Everything below is guarded by Gate.
    public string Identifier = identifier;
    public Task<TenantGeneration>? Building;
    public TenantInfo? BuildingFor;
    public bool ReloadQueued;
    public TenantInfo? QueuedTenant;

    /// <summary>Completes when the queued reload's build does (or the reload is dropped); what ReloadAsync callers await.</summary>
    public TaskCompletionSource? QueuedReload;
    public bool CancelBuild;
    public TenantUnloadReason CancelReason;
    public TenantInfo? CancelTenant;
    public long LastGeneration;
    public int Failures;
    public long RetryAt;
    public Exception? LastError;
    public bool Removed;
}

/// <summary>How a tenant last left memory, kept (bounded) after its slot is gone.</summary>
internal sealed record UnloadRecord(string Identifier, long Generation, TenantUnloadReason Reason, DateTimeOffset At);

/// <summary>A tenant suspended (its suspended snapshot) or deleted (<see langword="null"/>), as the change feed announced it.</summary>
internal sealed record Tombstone(TenantInfo? Suspended);

/// <summary>A generation a capacity scan found idle, with its number and last access at that moment.</summary>
internal readonly record struct CapacityCandidate(TenantSlot Slot, long Generation, long LastAccess);
