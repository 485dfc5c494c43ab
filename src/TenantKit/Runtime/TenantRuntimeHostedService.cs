using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TenantKit.Runtime;

/// <summary>Loads eager tenants at start-up and drains every tenant at shutdown, before the host's container is disposed.</summary>
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

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _runtime = services.GetRequiredService<TenantRuntime>();
        return _runtime.LoadEagerTenantsAsync(services.GetRequiredService<ITenantCatalog>(), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken)
        => (_runtime ?? services.GetRequiredService<TenantRuntime>()).StopAsync(cancellationToken);
}
