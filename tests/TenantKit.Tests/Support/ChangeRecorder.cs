namespace TenantKit.Tests.Support;

/// <summary>Records every change published on a change feed, and lets a test wait for one without sleeping.</summary>
internal sealed class ChangeRecorder : IDisposable
{
    private readonly object _sync = new();
    private readonly List<TenantChange> _changes = [];
    private readonly List<(Func<IReadOnlyList<TenantChange>, bool> Done, TaskCompletionSource Signal)> _waiters = [];
    private readonly IDisposable _subscription;

    public ChangeRecorder(ITenantChangeFeed feed)
    {
        _subscription = feed.Subscribe(Record);
    }

    public IReadOnlyList<TenantChange> Changes
    {
        get
        {
            lock (_sync)
            {
                return [.. _changes];
            }
        }
    }

    /// <summary>Completes once <paramref name="done"/> holds for the changes recorded so far.</summary>
    public Task WaitUntilAsync(Func<IReadOnlyList<TenantChange>, bool> done)
    {
        lock (_sync)
        {
            if (done(_changes))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((done, signal));
            return signal.Task;
        }
    }

    public void Clear()
    {
        lock (_sync)
        {
            _changes.Clear();
        }
    }

    public void Dispose() => _subscription.Dispose();

    private void Record(TenantChange change)
    {
        lock (_sync)
        {
            _changes.Add(change);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Done(_changes))
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
