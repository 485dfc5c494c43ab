using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Yarp.Routing;

/// <summary>
/// Reads a request's tenant identifier with the strategies the nodes declare (the same <c>WithHostStrategy</c>,
/// <c>WithPathBaseStrategy</c>, <c>WithHeaderStrategy</c> calls), run by TenantKit's own reader in a small private
/// container: the proxy gets the nodes' parsing and validation (ports, case, trailing dot, punycode, look-alikes)
/// without the catalog, the runtime or any of their services in its own container.
/// </summary>
internal sealed class ProxyTenantReader : IDisposable
{
    private readonly ServiceProvider _strategies;

    public ProxyTenantReader(Action<TenantKitBuilder> strategies)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        var services = new ServiceCollection();
        services.AddTenantKit(strategies);
        _strategies = services.BuildServiceProvider();
        Reader = _strategies.GetRequiredService<ITenantIdentifierReader<HttpContext>>();
    }

    public ITenantIdentifierReader<HttpContext> Reader { get; }

    public void Dispose() => _strategies.Dispose();
}
