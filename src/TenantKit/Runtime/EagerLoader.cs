using Microsoft.Extensions.Logging;

namespace TenantKit.Runtime;

/// <summary>
/// The eager loading policy at start-up: builds every active tenant the policy marks eager, with bounded parallelism.
/// One tenant's failure never stops the others, and a store outage never stops the application.
/// </summary>
internal sealed class EagerLoader(LeaseIssuer leases, TenantRuntimeOptions options, ILogger logger)
{
    public async Task LoadAsync(ITenantCatalog catalog, CancellationToken cancellationToken)
    {
        var eager = new List<TenantInfo>();
        try
        {
            await foreach (var tenant in catalog.ListAllAsync(new TenantQuery { State = TenantState.Active, Take = TenantQuery.MaxTake }, cancellationToken).ConfigureAwait(false))
            {
                if (options.IsEager(tenant))
                {
                    eager.Add(tenant);
                }
            }
        }
        catch (TenantCatalogUnavailableException ex)
        {
            // A store outage at start-up must not stop the application: it serves what it can (503 for tenants it
            // cannot look up), and tenants are built on first use once the store answers.
            RuntimeLog.EagerLoadingSkipped(logger, ex);
            return;
        }

        if (eager.Count == 0)
        {
            return;
        }

        RuntimeLog.EagerLoading(logger, eager.Count);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrentBuilds, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(eager, parallel, async (tenant, token) =>
        {
            try
            {
                var lease = await leases.AcquireAsync(tenant, token).ConfigureAwait(false);
                lease.Dispose();
            }
            catch (TenantKitException ex)
            {
                // One tenant's failure (or its suspension meanwhile) never stops the others or the host; a failed
                // build is retried lazily after its back-off.
                RuntimeLog.EagerLoadFailed(logger, ex, tenant.Identifier);
            }
        }).ConfigureAwait(false);
    }
}
