using Microsoft.Extensions.Logging;
using TenantKit.Diagnostics;

namespace TenantKit.Runtime;

/// <summary>
/// The lease path. Warm: the tenant's serving generation, found through <see cref="SlotTable"/>, hands out a lease
/// (no lock, no allocation, no cancellation token). Cold: the caller joins the tenant's one build, or starts it, unless
/// the tenant is gone (suspended or deleted) or backing off after a failed build.
/// </summary>
/// <remarks>
/// A caller holding a newer snapshot than the serving generation's (a change being built, or one this node missed) is
/// served by that generation while the newer one builds, unless <see cref="TenantRuntimeOptions.RequiresNewGeneration"/>
/// says the change needs a new generation: then it waits for a generation built from its snapshot (or a newer one).
/// Either way the lease's tenant is the snapshot its generation was built from.
/// </remarks>
internal sealed class LeaseIssuer(
    SlotTable slots,
    UnloadHistory history,
    BuildScheduler builds,
    TenantTombstones tombstones,
    RuntimeLifetime lifetime,
    RuntimeClock clock,
    TenantRuntimeOptions options,
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
        if (tenant.IsActive && slots.FindServing(tenant) is { } generation
            && (generation.Tenant.Version >= tenant.Version || ServesNewer(generation, tenant))
            && generation.TryLease(out lease))
        {
            metrics.Lease();
            return true;
        }

        lease = default;
        return false;
    }

    /// <summary>
    /// Whether <paramref name="generation"/>, built from an older snapshot than <paramref name="tenant"/>, may serve
    /// its caller while the newer one builds; if so, that build is started in the background (once per back-off when it
    /// fails, not once per request). Off the warm path: only while a change is being built.
    /// </summary>
    private bool ServesNewer(TenantGeneration generation, TenantInfo tenant)
    {
        if (generation.MustWaitFor(tenant, options))
        {
            return false;
        }

        _ = BackgroundWork.ObserveAsync(builds.ReloadAsync(tenant, respectBackoff: true), logger, TenantChangeKind.Updated, tenant.Identifier);
        return true;
    }

    private async ValueTask<TenantLease> AcquireSlowAsync(TenantInfo tenant, CancellationToken cancellationToken)
    {
        TenantLease lease;
        var behind = false;
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

                var generation = slot.Current;
                if (generation is not null && (generation.Tenant.Version >= tenant.Version || !generation.MustWaitFor(tenant, options))
                    && generation.TryLease(out lease))
                {
                    behind = generation.Tenant.Version < tenant.Version;
                    metrics.Lease();
                    break;
                }

                // Not resident, or resident from a snapshot this caller must not be served by: the build in flight
                // (then look again: it may be older than this caller's snapshot), or a build from this snapshot.
                build = slot.Building ?? StartBuild(slot, tenant);
            }

            await build.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (behind)
        {
            // Served by the older generation, as on the warm path: the newer one builds in the background.
            _ = BackgroundWork.ObserveAsync(builds.ReloadAsync(tenant, respectBackoff: true), logger, TenantChangeKind.Updated, tenant.Identifier);
        }

        return lease;
    }

    /// <summary>Starts the tenant's build, unless it is gone or backing off. Caller holds the slot's gate.</summary>
    private Task<TenantGeneration> StartBuild(TenantSlot slot, TenantInfo tenant)
    {
        // Checked again under the gate: shutdown sets the flag, then unloads every slot under its gate. A slot this
        // caller made after shutdown enumerated the table is forgotten here, or it would outlive the runtime.
        if (lifetime.IsStopping)
        {
            slots.RemoveIfUnused(slot);
            throw RuntimeLifetime.ShuttingDown();
        }

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
