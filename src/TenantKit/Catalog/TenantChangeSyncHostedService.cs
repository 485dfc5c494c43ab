using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TenantKit.Catalog;

/// <summary>
/// Starts polling the store's change log when the host starts (resolving the sync then, after options validation, like
/// <see cref="Runtime.TenantRuntimeHostedService"/>), and stops it when the host stops.
/// </summary>
internal sealed class TenantChangeSyncHostedService(IServiceProvider services) : IHostedService
{
    private TenantChangeSync? _sync;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sync = services.GetRequiredService<TenantChangeSync>();
        return _sync.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken)
        => _sync?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
