using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TenantKit.Diagnostics;
using TenantKit.Runtime.Container;

namespace TenantKit.Runtime;

/// <summary>
/// Makes one generation: builds the tenant's container, runs the activation hooks and starts the tenant's hosted
/// services inside the tenant's context. On failure it stops what it started, disposes the container, marks the
/// generation Failed and rethrows. When and how often to build is <see cref="BuildScheduler"/>'s job.
/// </summary>
internal sealed class GenerationBuilder(
    TenantContainerFactory factory,
    ITenantContextAccessor context,
    TenantServicesConfiguration configuration,
    RuntimeClock clock,
    GenerationDrainer drainer,
    TenantEvictor evictor,
    ILogger logger)
{
    public async Task<TenantGeneration> BuildAsync(TenantInfo tenant, long number, CancellationToken cancellationToken)
    {
        ContainerScope? services = null;
        TenantGeneration? generation = null;
        var hosted = new List<IHostedService>();
        using var activity = TenantKitActivity.Source.StartActivity("tenantkit.tenant.build", ActivityKind.Internal);
        activity?.SetTag("tenantkit.tenant.id", tenant.Id);
        activity?.SetTag("tenantkit.tenant.identifier", tenant.Identifier);
        activity?.SetTag("tenantkit.generation", number);
        try
        {
            services = factory.Build(tenant);
            generation = new TenantGeneration(tenant, number, services, clock.Coarse, drainer, evictor);
            using (context.BeginTenantScope(tenant, services))
            {
                foreach (var hook in configuration.OnActivated)
                {
                    await hook(tenant, services, cancellationToken).ConfigureAwait(false);
                }

                foreach (var service in services.GetServices<IHostedService>())
                {
                    await service.StartAsync(cancellationToken).ConfigureAwait(false);
                    hosted.Add(service);
                }
            }

            generation.HostedServices = [.. hosted];
            return generation;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            generation?.Fail();
            await UndoAsync(tenant, number, hosted, services).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the hosted services a failed build started and disposes its container.</summary>
    private async Task UndoAsync(TenantInfo tenant, long number, List<IHostedService> hosted, ContainerScope? services)
    {
        foreach (var service in hosted)
        {
            try
            {
                await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception stopError)
            {
                RuntimeLog.HostedServiceStopFailed(logger, stopError, tenant.Identifier);
            }
        }

        if (services is not null)
        {
            try
            {
                await services.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception disposeError)
            {
                RuntimeLog.DisposeFailed(logger, disposeError, tenant.Identifier, number);
            }
        }
    }
}
