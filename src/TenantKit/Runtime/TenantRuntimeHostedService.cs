using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TenantKit.Runtime;

/// <summary>Loads eager tenants at start-up and drains every tenant at shutdown, before the host's container is disposed.</summary>
/// <remarks>
/// The runtime and the catalog are resolved when the host starts, not when it builds its list of hosted services: the
/// host runs the start-up options validation (<c>ValidateOnStart</c>) only after that list is built, and building the
/// runtime or the catalog reads their options, which would throw one options type's errors before the combined
/// validation message could list them all.
/// </remarks>
internal sealed class TenantRuntimeHostedService(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
        => services.GetRequiredService<TenantRuntime>().LoadEagerTenantsAsync(services.GetRequiredService<ITenantCatalog>(), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => services.GetRequiredService<TenantRuntime>().StopAsync(cancellationToken);
}
