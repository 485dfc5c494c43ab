using Microsoft.Extensions.Logging;
using TenantKit.Diagnostics;

namespace TenantKit.Runtime;

/// <summary>
/// The lease path. Warm: the tenant's serving generation, found through <see cref="SlotTable"/>, hands out a lease
/// (no lock, no allocation, no cancellation token). Cold: the caller joins the tenant's one build, or starts it, unless
/// the tenant is gone (suspended or deleted) or backing off after a failed build.
/// </summary>
internal sealed class LeaseIssuer(
    SlotTable slots,
    UnloadHistory history,
    BuildScheduler builds,
    TenantTombstones tombstones,
    RuntimeLifetime lifetime,
    RuntimeClock clock,
    TenantKitMetrics metrics,
    ILogger logger)
{
    public ValueTask<TenantLease> AcquireAsync(TenantInfo tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!tenant.IsActive)
        {
            throw new TenantSuspendedException(tenant);
        }

        return TryAcquireResident(tenant, out var lease)
            ? new ValueTask<TenantLease>(lease)
            : AcquireSlowAsync(tenant, cancellationToken);
    }

    /// <summary>
    /// A lease on the tenant's resident generation, or <see langword="false"/> when it must be built (or the tenant is
    /// suspended), which only <see cref="AcquireAsync"/> does.
    /// </summary>
    public bool TryAcquireResident(TenantInfo tenant, out TenantLease lease)
    {
        if (tenant.IsActive && slots.FindServing(tenant) is { } generation && generation.TryLease(out lease))
        {
            if (generation.Tenant.Version < tenant.Version)
            {
                // The caller saw a newer snapshot than this generation was built from (a change this node missed):
                // serve this request, and build the newer generation in the background (once per back-off if
                // that build fails, not once per request).
                _ = BackgroundWork.ObserveAsync(builds.ReloadAsync(tenant, respectBackoff: true), logger, TenantChangeKind.Updated, tenant.Identifier);
            }

            metrics.Lease();
            return true;
        }

        lease = default;
        return false;
    }

    private async ValueTask<TenantLease> AcquireSlowAsync(TenantInfo tenant, CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(lifetime.IsStopping, typeof(TenantRuntime));
            var slot = slots.GetOrAdd(tenant, history);
            Task<TenantGeneration> build;
            lock (slot.Gate)
            {
                if (slot.Removed)
                {
                    continue;
                }

                if (slot.Current is { } generation && generation.TryLease(out var lease))
                {
                    metrics.Lease();
                    return lease;
                }

                build = slot.Building ?? StartBuild(slot, tenant);
            }

            await build.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts the tenant's build, unless it is gone or backing off. Caller holds the slot's gate.</summary>
    private Task<TenantGeneration> StartBuild(TenantSlot slot, TenantInfo tenant)
    {
        // Checked again under the gate: shutdown sets the flag, then unloads every slot under its gate.
        ObjectDisposedException.ThrowIf(lifetime.IsStopping, typeof(TenantRuntime));
        if (tombstones.ErrorFor(tenant) is { } gone)
        {
            slots.RemoveIfUnused(slot);
            throw gone;
        }

        var now = clock.Now();
        if (builds.IsBackingOff(slot, now))
        {
            throw new TenantLoadException(tenant.Id, tenant.Identifier, clock.Elapsed(now, slot.RetryAt), slot.LastError);
        }

        builds.Start(slot, tenant);
        return slot.Building!;
    }
}
