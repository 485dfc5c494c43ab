using Microsoft.Extensions.Hosting;

namespace TenantKit.Redis.ChangeFeed;

/// <summary>Connects the Redis change feed when the host starts, and unsubscribes when it stops.</summary>
internal sealed class RedisChangeFeedHostedService(RedisChangeFeed feed) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => feed.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => feed.StopAsync();
}
