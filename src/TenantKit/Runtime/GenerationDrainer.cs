using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TenantKit.Diagnostics;

namespace TenantKit.Runtime;

/// <summary>
/// Drains generations that left service: stops their hosted services, runs the unload hooks, waits for their last
/// lease (logging a drain that outlasts <see cref="TenantRuntimeOptions.DrainTimeout"/>; nothing is disposed under a
/// live lease), disposes the container, and keeps the set of generations still draining.
/// </summary>
internal sealed class GenerationDrainer(
    ITenantContextAccessor context,
    TenantServicesConfiguration configuration,
    TenantRuntimeOptions options,
    TimeProvider time,
    TenantKitMetrics metrics,
    ILogger logger)
{
    private readonly ConcurrentDictionary<TenantGeneration, byte> _draining = new();
    private long _unloads;

    /// <summary>Generations waiting for their leases, or being disposed.</summary>
    public int Count => _draining.Count;

    /// <summary>Generations drained and disposed since start.</summary>
    public long Unloads => Interlocked.Read(ref _unloads);

    /// <summary>A copy of the generations still draining.</summary>
    public ICollection<TenantGeneration> Generations => _draining.Keys;

    /// <summary>Queues the drain of a generation that just started draining.</summary>
    public void Start(TenantGeneration generation)
    {
        // Registered before the drain is queued, so a shutdown that starts now always waits for it.
        _draining.TryAdd(generation, 0);
        _ = Task.Run(() => DrainAsync(generation));
    }

    private async Task DrainAsync(TenantGeneration generation)
    {
        var reason = generation.UnloadReason ?? TenantUnloadReason.Requested;
        try
        {
            await StopHostedServicesAsync(generation).ConfigureAwait(false);
            await RunUnloadHooksAsync(generation).ConfigureAwait(false);
            await WaitForLeasesAsync(generation).ConfigureAwait(false);
            await DisposeContainerAsync(generation, reason).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref _unloads);
            metrics.Unload(reason.ToString());
            _draining.TryRemove(generation, out _);
            generation.CompleteDisposal();
        }
    }

    private async Task StopHostedServicesAsync(TenantGeneration generation)
    {
        if (generation.HostedServices.Length == 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(options.HostedServiceStopTimeout, time);
        for (var i = generation.HostedServices.Length - 1; i >= 0; i--)
        {
            try
            {
                await generation.HostedServices[i].StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                RuntimeLog.HostedServiceStopFailed(logger, ex, generation.Tenant.Identifier);
            }
        }
    }

    private async Task RunUnloadHooksAsync(TenantGeneration generation)
    {
        if (configuration.OnUnloading.Count == 0)
        {
            return;
        }

        using (context.BeginTenantScope(generation.Tenant, generation.Services))
        {
            foreach (var hook in configuration.OnUnloading)
            {
                try
                {
                    await hook(generation.Tenant, generation.Services, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    RuntimeLog.UnloadHookFailed(logger, ex, generation.Tenant.Identifier);
                }
            }
        }
    }

    private async Task WaitForLeasesAsync(TenantGeneration generation)
    {
        var leasesGone = generation.LeasesGone;
        while (!leasesGone.IsCompleted)
        {
            try
            {
                await leasesGone.WaitAsync(options.DrainTimeout, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                RuntimeLog.DrainSlow(logger, generation.Tenant.Identifier, generation.Number, generation.Leases, options.DrainTimeout);
            }
        }
    }

    private async Task DisposeContainerAsync(TenantGeneration generation, TenantUnloadReason reason)
    {
        try
        {
            await generation.Services.DisposeAsync().ConfigureAwait(false);
            RuntimeLog.Unloaded(logger, generation.Tenant.Identifier, generation.Number, reason);
        }
        catch (Exception ex)
        {
            RuntimeLog.DisposeFailed(logger, ex, generation.Tenant.Identifier, generation.Number);
        }
    }
}
