namespace TenantKit.Catalog;

/// <summary>
/// Announces catalog changes inside the process. The catalog cache, the tenant runtime and multi-node feeds
/// subscribe; the administration service, stores that notice changes on their own (configuration reload) and
/// multi-node feeds publish.
/// </summary>
public interface ITenantChangeFeed
{
    /// <summary>Announces a change to every subscriber, in subscription order. A failing subscriber is logged, not rethrown.</summary>
    /// <param name="change">The change.</param>
    void Publish(TenantChange change);

    /// <summary>Subscribes to changes.</summary>
    /// <param name="observer">Called synchronously for every change; keep it short and start long work in the background.</param>
    /// <returns>Dispose to unsubscribe.</returns>
    IDisposable Subscribe(Action<TenantChange> observer);
}
