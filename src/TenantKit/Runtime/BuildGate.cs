namespace TenantKit.Runtime;

/// <summary>
/// The slots that bound how many tenant builds run at once (<see cref="TenantRuntimeOptions.MaxConcurrentBuilds"/>).
/// It also counts the builds queued for a slot, so tests can wait until every build they started is either running or
/// queued, and then prove that no more run than the bound, without waiting for time to pass.
/// </summary>
internal sealed class BuildGate(int slots) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(slots, slots);
    private int _waiting;

    /// <summary>How many builds are queued for a slot: they asked for one while every slot was taken.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Completes when the caller holds a slot; it must <see cref="Release"/> it.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var entered = _slots.WaitAsync(cancellationToken);
        return entered.IsCompleted ? entered : QueuedAsync(entered);
    }

    public void Release() => _slots.Release();

    public void Dispose() => _slots.Dispose();

    private async Task QueuedAsync(Task entered)
    {
        // Counted once the semaphore has queued the caller: from then on it cannot run until a slot is released.
        Interlocked.Increment(ref _waiting);
        try
        {
            await entered.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }
}
