namespace TenantKit.Runtime;

/// <summary>Whether the runtime is stopping, and the token that cancels builds when it does.</summary>
internal sealed class RuntimeLifetime : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;

    public bool IsStopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>Cancelled when shutdown begins; builds wait for the build gate and run their start hooks with it.</summary>
    public CancellationToken ShutdownToken => _shutdown.Token;

    public bool IsShutdownRequested => _shutdown.IsCancellationRequested;

    /// <summary>Completes when the first stop has finished.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Marks the runtime stopping; <see langword="false"/> when an earlier call already did.</summary>
    public bool TryBeginStop() => Interlocked.Exchange(ref _stopping, 1) == 0;

    public Task CancelBuildsAsync() => _shutdown.CancelAsync();

    public void MarkStopped() => _stopped.TrySetResult();

    public void ThrowIfStopping(object runtime) => ObjectDisposedException.ThrowIf(IsStopping, runtime);

    public static ObjectDisposedException ShuttingDown() => new(nameof(TenantRuntime), "The tenant runtime is shutting down.");

    public void Dispose() => _shutdown.Dispose();
}
