using Microsoft.Extensions.Logging;

namespace TenantKit.Runtime;

/// <summary>
/// Host shutdown: stops the sweeper and the catalog subscription, cancels builds, then unloads every tenant and waits
/// until every build has ended and every generation is drained and disposed (or the caller's token gives up, which is
/// logged with the number of generations still draining). Only the first call works; later ones wait for it.
/// </summary>
internal sealed class RuntimeShutdown(
    RuntimeLifetime lifetime,
    TenantEvictor evictor,
    CatalogChangeReaction reaction,
    SlotTable slots,
    TenantUnloader unloader,
    BuildScheduler builds,
    GenerationDrainer drainer,
    ILogger logger)
{
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!lifetime.TryBeginStop())
        {
            await lifetime.Stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            evictor.Dispose();
            reaction.Dispose();
            await lifetime.CancelBuildsAsync().ConfigureAwait(false);

            // Until nothing is left: a build that finishes now drains its generation, and an acquire that passed the
            // stopping check just before it was set may still start one build, which fails or drains at once.
            while (true)
            {
                var pending = UnloadEverything();
                if (pending.Count > 0)
                {
                    await Task.WhenAll(pending.Select(static t => t.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)))
                        .WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (builds.Building != 0)
                {
                    // A build between leaving its slot and handing its generation to the drain: a few instructions.
                    await Task.Yield();
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            RuntimeLog.ShutdownIncomplete(logger, drainer.Count);
        }
        finally
        {
            lifetime.MarkStopped();
        }
    }

    /// <summary>Unloads every slot; returns the builds in flight and the drains to wait for.</summary>
    private List<Task> UnloadEverything()
    {
        var pending = new List<Task>();
        foreach (var (_, slot) in slots)
        {
            lock (slot.Gate)
            {
                if (slot.Building is { } build)
                {
                    pending.Add(build);
                }
            }

            unloader.Unload(slot.TenantId, TenantUnloadReason.Shutdown);
        }

        foreach (var generation in drainer.Generations)
        {
            pending.Add(generation.Disposal);
        }

        return pending;
    }
}
