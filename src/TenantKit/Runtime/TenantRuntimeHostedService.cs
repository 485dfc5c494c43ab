using Microsoft.Extensions.Hosting;

namespace TenantKit.Runtime;

/// <summary>Loads eager tenants at start-up and drains every tenant at shutdown, before the host's container is disposed.</summary>
internal sealed class TenantRuntimeHostedService(TenantRuntime runtime, ITenantCatalog catalog) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.LoadEagerTenantsAsync(catalog, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}
