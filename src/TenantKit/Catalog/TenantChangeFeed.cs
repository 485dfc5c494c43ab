using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TenantKit.Catalog;

/// <summary>The in-process change feed: a copy-on-write list of observers called synchronously.</summary>
internal sealed class TenantChangeFeed : ITenantChangeFeed
{
    private readonly ILogger _logger;
    private Action<TenantChange>[] _observers = [];

    public TenantChangeFeed(ILogger<TenantChangeFeed>? logger = null)
    {
        _logger = logger ?? NullLogger<TenantChangeFeed>.Instance;
    }

    public void Publish(TenantChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Log.TenantChanged(_logger, change.Kind, change.Identifier, change.TenantId, change.Tenant?.Version ?? 0, change.IsRemote);
        foreach (var observer in Volatile.Read(ref _observers))
        {
            try
            {
                observer(change);
            }
            catch (Exception ex)
            {
                Log.ChangeObserverFailed(_logger, ex, change.Kind, change.Identifier);
            }
        }
    }

    public IDisposable Subscribe(Action<TenantChange> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Update(list => [.. list, observer]);
        return new Subscription(this, observer);
    }

    private void Update(Func<Action<TenantChange>[], Action<TenantChange>[]> change)
    {
        while (true)
        {
            var current = Volatile.Read(ref _observers);
            if (Interlocked.CompareExchange(ref _observers, change(current), current) == current)
            {
                return;
            }
        }
    }

    private sealed class Subscription(TenantChangeFeed feed, Action<TenantChange> observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Update(list => Array.FindAll(list, o => o != observer));
            }
        }
    }
}
