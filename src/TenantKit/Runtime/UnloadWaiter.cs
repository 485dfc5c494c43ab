namespace TenantKit.Runtime;

/// <summary>
/// What <see cref="ITenantRuntime.WaitForUnloadAsync"/> waits for: every generation of one tenant that left service
/// drained and disposed, including a build in flight that an unload cancelled (it drains without ever serving).
/// </summary>
internal sealed class UnloadWaiter(SlotTable slots, GenerationDrainer drainer)
{
    public async Task WaitAsync(string tenantId, CancellationToken cancellationToken)
    {
        // Until a look finds nothing: a cancelled build hands its generation to the drain before its task completes.
        while (Pending(tenantId) is { } pending)
        {
            await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A task that completes when what the tenant has draining now is gone, or <see langword="null"/> when nothing is.</summary>
    private Task? Pending(string tenantId)
    {
        List<Task>? pending = null;
        foreach (var generation in drainer.Generations)
        {
            if (string.Equals(generation.Tenant.Id, tenantId, StringComparison.Ordinal))
            {
                (pending ??= []).Add(generation.Disposal);
            }
        }

        if (slots.TryGet(tenantId, out var slot))
        {
            lock (slot.Gate)
            {
                if (slot.CancelBuild && slot.Building is { } discarded)
                {
                    // Its outcome is its callers' business: only its end matters here.
                    (pending ??= []).Add(discarded.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
                }
            }
        }

        return pending is null ? null : Task.WhenAll(pending);
    }
}
