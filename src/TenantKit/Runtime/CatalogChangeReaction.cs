using Microsoft.Extensions.Logging;

namespace TenantKit.Runtime;

/// <summary>
/// How the runtime follows the catalog: a changed tenant is rebuilt (a host's reload request rebuilds it even from the
/// same data), a suspended or deleted one is unloaded and tombstoned (so an older snapshot cannot build it back), a
/// resumed or created one is forgiven its tombstone and, when eager, built.
/// </summary>
internal sealed class CatalogChangeReaction(
    BuildScheduler builds,
    TenantUnloader unloader,
    TenantTombstones tombstones,
    LeaseIssuer leases,
    TenantRuntimeOptions options,
    ILogger logger) : IDisposable
{
    private IDisposable? _subscription;

    /// <summary>Starts following <paramref name="changes"/>.</summary>
    public void Subscribe(ITenantChangeFeed changes) => _subscription = changes.Subscribe(OnChange);

    /// <summary>Stops following the feed.</summary>
    public void Dispose() => _subscription?.Dispose();

    private void OnChange(TenantChange change)
    {
        switch (change.Kind)
        {
            case TenantChangeKind.Updated when change.Tenant is { } tenant:
                tombstones.Forget(tenant);
                Observe(builds.ReloadAsync(tenant), change);
                break;
            case TenantChangeKind.ReloadRequested when change.Tenant is { } tenant:
                Observe(builds.ReloadAsync(tenant, force: true), change);
                break;
            case TenantChangeKind.Suspended:
                if (change.Tenant is { } suspended)
                {
                    tombstones.MarkGone(change.TenantId, suspended);
                }

                unloader.Unload(change.TenantId, TenantUnloadReason.Suspended, change.Tenant);
                break;
            case TenantChangeKind.Deleted:
                tombstones.MarkGone(change.TenantId, null);
                unloader.Unload(change.TenantId, TenantUnloadReason.Deleted);
                break;
            case TenantChangeKind.Created or TenantChangeKind.Resumed when change.Tenant is { } tenant:
                tombstones.Forget(tenant);
                if (options.IsEager(tenant))
                {
                    Observe(AcquireAndReleaseAsync(tenant), change);
                }

                break;
        }
    }

    private void Observe(Task work, TenantChange change) => _ = BackgroundWork.ObserveAsync(work, logger, change.Kind, change.Identifier);

    private async Task AcquireAndReleaseAsync(TenantInfo tenant)
    {
        var lease = await leases.AcquireAsync(tenant, CancellationToken.None).ConfigureAwait(false);
        lease.Dispose();
    }
}
