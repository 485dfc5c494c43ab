using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantKit.Runtime;

internal sealed class TenantExecutor(
    ITenantCatalog catalog,
    ITenantRuntime runtime,
    ITenantContextAccessor context,
    ILogger<TenantExecutor> logger) : ITenantExecutor
{
    public Task RunAsync(string identifier, Func<IServiceProvider, CancellationToken, Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync<bool>(identifier, async (services, token) =>
        {
            await work(services, token).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public async Task<TResult> RunAsync<TResult>(string identifier, Func<IServiceProvider, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        ArgumentNullException.ThrowIfNull(work);
        var normalized = TenantIdentifier.Normalize(identifier);
        if (context.Current is { IsHost: false } current && current.Tenant.Identifier != normalized)
        {
            throw new CrossTenantAccessException(
                $"Code running as tenant '{current.Tenant.Identifier}' may not run work as tenant '{normalized}'.");
        }

        var tenant = await catalog.FindByIdentifierAsync(normalized, cancellationToken).ConfigureAwait(false)
            ?? throw new TenantNotFoundException(normalized);
        return await RunCoreAsync(tenant, work, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TenantBatchResult> RunForEachActiveAsync(Func<TenantInfo, IServiceProvider, CancellationToken, Task> work, int maxDegreeOfParallelism = 4, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        if (context.Current is { IsHost: false } current)
        {
            throw new CrossTenantAccessException(
                $"Code running as tenant '{current.Tenant.Identifier}' may not run work for every tenant; only the host may.");
        }

        var failures = new ConcurrentDictionary<string, Exception>(StringComparer.Ordinal);
        var succeeded = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        var tenants = catalog.ListAllAsync(new TenantQuery { State = TenantState.Active, Take = TenantQuery.MaxTake }, cancellationToken);
        await Parallel.ForEachAsync(tenants, options, async (tenant, token) =>
        {
            try
            {
                await RunCoreAsync(tenant, async (services, t) =>
                {
                    await work(tenant, services, t).ConfigureAwait(false);
                    return true;
                }, token).ConfigureAwait(false);
                Interlocked.Increment(ref succeeded);
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                failures[tenant.Identifier] = ex;
            }
        }).ConfigureAwait(false);
        return new TenantBatchResult(succeeded, failures);
    }

    private async Task<TResult> RunCoreAsync<TResult>(TenantInfo tenant, Func<IServiceProvider, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken)
    {
        if (!tenant.IsActive)
        {
            throw new TenantSuspendedException(tenant);
        }

        var lease = await runtime.AcquireAsync(tenant, cancellationToken).ConfigureAwait(false);
        await using (lease.ConfigureAwait(false))
        {
            var scope = lease.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                using (context.BeginTenantScope(lease.Tenant, scope.ServiceProvider))
                using (logger.BeginScope(new TenantLogScope(lease.Tenant)))
                {
                    return await work(scope.ServiceProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
