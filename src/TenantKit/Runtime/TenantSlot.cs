namespace TenantKit.Runtime;

/// <summary>The runtime's record of one tenant: its serving generation, a build in flight, and failure back-off.</summary>
internal sealed class TenantSlot(string tenantId, string identifier)
{
    public string TenantId { get; } = tenantId;

    public Lock Gate { get; } = new();

    /// <summary>The serving generation; read without the gate on the hot path, written under it.</summary>
    public volatile TenantGeneration? Current;

    /// <summary>
    /// The catalog snapshot this slot was last found for, so <see cref="SlotTable"/> recalls the slot by the snapshot's
    /// identity. Always a snapshot of this slot's tenant; written without the gate.
    /// </summary>
    public volatile TenantInfo? Snapshot;

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
