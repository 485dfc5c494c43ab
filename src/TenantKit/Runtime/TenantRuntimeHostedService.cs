using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TenantKit.Catalog;

namespace TenantKit.Runtime;

/// <summary>
/// Runs the start-up check of host singletons (<see cref="TenantContainerFactory.ValidateHostSingletons"/>), starts
/// following the catalog's change log, then loads eager tenants at start-up (the log's version is read first, so
/// no change committed after the tenants were read is missed); at shutdown stops following it and drains every tenant,
/// before the host's container is disposed.
/// </summary>
/// <remarks>
/// The runtime and the catalog are resolved when the host starts, not when it builds its list of hosted services: the
/// host runs the start-up options validation (<c>ValidateOnStart</c>) only after that list is built, and building the
/// runtime or the catalog reads their options, which would throw one options type's errors before the combined
/// validation message could list them all. The runtime resolved at start is kept for <see cref="StopAsync"/>: a host
/// may be stopped twice, the second time after its container was disposed (a <c>WebApplicationFactory</c> stopping
/// the host while the application's own <c>app.Run()</c> stops and disposes it), and the runtime's stop is idempotent.
/// </remarks>
internal sealed class TenantRuntimeHostedService(IServiceProvider services) : IHostedService
{
    private TenantRuntime? _runtime;
    private TenantChangeSync? _sync;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The start-up check comes first: no tenant is built, eagerly or by a request, while a host singleton every
        // tenant would share holds a service each tenant must have its own.
        services.GetRequiredService<TenantContainerFactory>().ValidateHostSingletons();
        _runtime = services.GetRequiredService<TenantRuntime>();
        _sync = services.GetRequiredService<TenantChangeSync>();
        await _sync.StartAsync(cancellationToken).ConfigureAwait(false);
        await _runtime.LoadEagerTenantsAsync(services.GetRequiredService<ITenantCatalog>(), cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sync is not null)
        {
            await _sync.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        await (_runtime ?? services.GetRequiredService<TenantRuntime>()).StopAsync(cancellationToken).ConfigureAwait(false);
    }
}
