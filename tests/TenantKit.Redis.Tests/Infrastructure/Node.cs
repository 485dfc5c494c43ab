using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TenantKit.Testing;

namespace TenantKit.Redis.Tests.Infrastructure;

/// <summary>
/// One application node: its own service provider (catalog cache, runtime, change feed) over the shared SQLite catalog
/// and the shared Redis. Several nodes in one process behave like several processes: they share nothing but those two.
/// </summary>
public sealed class Node : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IHostedService[] _hosted;
    private readonly IDisposable _subscription;

    private Node(ServiceProvider services, CapturedLogs logs)
    {
        _services = services;
        Logs = logs;
        _hosted = [.. services.GetServices<IHostedService>()];
        _subscription = Feed.Subscribe(Changes.Enqueue);
    }

    public IServiceProvider Services => _services;

    /// <summary>What this node logged (Information and up).</summary>
    public CapturedLogs Logs { get; }

    /// <summary>Every change announced on this node's local feed, local and remote.</summary>
    public ConcurrentQueue<TenantChange> Changes { get; } = new();

    public ITenantChangeFeed Feed => _services.GetRequiredService<ITenantChangeFeed>();

    public ITenantCatalog Catalog => _services.GetRequiredService<ITenantCatalog>();

    public ITenantRuntime Runtime => _services.GetRequiredService<ITenantRuntime>();

    /// <summary>
    /// Starts a node; unless told not to, waits until it is connected to Redis (the host itself does not wait). With
    /// <paramref name="time"/>, the node's timers (change log polling, idle sweeps) run on that clock.
    /// </summary>
    public static async Task<Node> StartAsync(string catalog, string redis, string channel, Action<TenantCatalogOptions>? configure = null, string? nodeId = null, bool waitForRedis = true, TimeProvider? time = null)
    {
        var logs = new CapturedLogs();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddTenantKit(b => b
            .WithEfCoreStore(o => o.UseSqlite(catalog))
            .UseRedisChangeFeed(redis, o =>
            {
                o.Channel = channel;
                if (nodeId is not null)
                {
                    o.NodeId = nodeId;
                }
            })
            .ConfigureCatalog(o =>
            {
                // Polling off unless a test turns it on: what arrives, arrives through Redis.
                o.ChangePollInterval = Timeout.InfiniteTimeSpan;
                o.FallbackChangePollInterval = Timeout.InfiniteTimeSpan;
                configure?.Invoke(o);
            }));
        services.AddHealthChecks().AddTenantKitRedisChangeFeed();
        var node = new Node(services.BuildServiceProvider(), logs);
        foreach (var hosted in node._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        if (waitForRedis)
        {
            await Wait.UntilAsync(async () => (await node.HealthAsync()).Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, TimeSpan.FromSeconds(10), "the node connects to Redis");
        }

        return node;
    }

    public static string NewCatalog()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "tenantkit-redis-tests")).FullName;
        return new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".db"), DefaultTimeout = 10 }.ToString();
    }

    public async Task<T> AsHostAsync<T>(Func<ITenantAdministration, ValueTask<T>> action)
    {
        using (_services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            return await action(_services.GetRequiredService<ITenantAdministration>());
        }
    }

    public async Task<HealthReportEntry> HealthAsync()
        => (await _services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["tenantkit-change-feed"];

    /// <summary>Looks the tenant up and holds its container in memory, as a request would.</summary>
    public async Task<TenantInfo> ServeAsync(string identifier)
    {
        var tenant = await Catalog.FindByIdentifierAsync(identifier) ?? throw new InvalidOperationException($"{identifier} is unknown.");
        (await Runtime.AcquireAsync(tenant)).Dispose();
        return tenant;
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        foreach (var hosted in _hosted.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }
}
