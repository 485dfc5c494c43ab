namespace TenantKit.Runtime;

/// <summary>
/// Takes a tenant's serving generation out of its slot and starts its drain: on request, on suspension or deletion,
/// at shutdown (whatever its leases), or for the idle and capacity rules (only while no lease is out). A build in
/// flight is marked cancelled, so its generation never serves.
/// </summary>
internal sealed class TenantUnloader(SlotTable slots, UnloadHistory history)
{
    /// <summary>
    /// Unloads the tenant's serving generation, whatever its leases (it drains until they are released). Returns
    /// whether a generation was unloaded. A suspension older than the generation serving is stale and ignored.
    /// </summary>
    public bool Unload(string tenantId, TenantUnloadReason reason, TenantInfo? tenant = null)
    {
        if (!slots.TryGet(tenantId, out var slot))
        {
            return false;
        }

        TenantGeneration? generation;
        lock (slot.Gate)
        {
            if (reason == TenantUnloadReason.Suspended && tenant is not null && slot.Current is { } serving
                && serving.Tenant.Version > tenant.Version)
            {
                // A suspension older than the generation serving (it arrived after a newer resume): stale, ignore it.
                return false;
            }

            generation = slot.Current;
            slot.Current = null;
            if (generation is not null)
            {
                slots.RemoveResident();
            }

            if (slot.Building is not null)
            {
                slot.CancelBuild = true;
                slot.CancelReason = reason;
                slot.CancelTenant = tenant;
                slot.ReloadQueued = false;
                slot.QueuedTenant = null;
            }

            if (reason is TenantUnloadReason.Suspended or TenantUnloadReason.Deleted or TenantUnloadReason.Shutdown)
            {
                // Nothing left to back off from: the tenant is gone, or the runtime is (its failure record must not
                // outlive it).
                slot.Failures = 0;
            }

            if (generation is not null)
            {
                // Recorded before the slot can go, so a slot made afresh continues the generation numbers.
                history.Record(tenantId, generation, reason);
            }

            slots.RemoveIfUnused(slot);
        }

        if (generation is null)
        {
            return false;
        }

        generation.BeginDrain(reason);
        return true;
    }

    /// <summary>Unloads <paramref name="generation"/> if it still serves the slot and no lease is out (idle).</summary>
    public bool TryUnloadUnleased(TenantSlot slot, TenantGeneration generation, TenantUnloadReason reason)
    {
        lock (slot.Gate)
        {
            if (slot.Current != generation || !generation.TryBeginDrainIfUnleased(reason))
            {
                return false;
            }

            Remove(slot, generation, reason);
        }

        return true;
    }

    /// <summary>
    /// The capacity rule on <paramref name="generation"/>, if it still serves the slot: unloaded when no lease is out,
    /// otherwise kept, and marked when <paramref name="mark"/> is set (see <see cref="GenerationLifecycle.TryDrainOrMarkForCapacity"/>).
    /// Returns whether it was unloaded.
    /// </summary>
    public bool TryUnloadForCapacity(TenantSlot slot, TenantGeneration generation, bool mark)
    {
        lock (slot.Gate)
        {
            if (slot.Current != generation || generation.TryDrainOrMarkForCapacity(mark) != CapacityVerdict.Drained)
            {
                return false;
            }

            Remove(slot, generation, TenantUnloadReason.Capacity);
        }

        return true;
    }

    /// <summary>
    /// Takes a generation that started draining out of its slot. For capacity, a reload building meanwhile is cancelled
    /// too (its callers, if any, build afresh): it would otherwise bring the tenant back past the cap with nobody asking
    /// for it. An idle tenant's reload still completes (a host that asked for it finds the tenant resident). Caller holds
    /// the slot's gate.
    /// </summary>
    private void Remove(TenantSlot slot, TenantGeneration generation, TenantUnloadReason reason)
    {
        slot.Current = null;
        slots.RemoveResident();
        if (reason == TenantUnloadReason.Capacity && slot.Building is not null)
        {
            slot.CancelBuild = true;
            slot.CancelReason = reason;
            slot.CancelTenant = null;
            slot.ReloadQueued = false;
            slot.QueuedTenant = null;
        }

        history.Record(slot.TenantId, generation, reason);
        slots.RemoveIfUnused(slot);
    }
}
