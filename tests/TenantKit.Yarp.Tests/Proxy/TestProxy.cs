using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TenantKit;
using TenantKit.Yarp;
using Yarp.ReverseProxy.Configuration;

namespace TenantKit.Yarp.Tests.Proxy;

/// <summary>
/// A YARP proxy on Kestrel (127.0.0.1, a port the system chooses) with tenant affinity, configured in memory so a test
/// can change its destinations (a node restarted on another port) while it runs.
/// </summary>
public sealed class TestProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestProxy(WebApplication app, InMemoryConfigProvider config, Uri address)
    {
        _app = app;
        Config = config;
        Address = address;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = 256 })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public InMemoryConfigProvider Config { get; }

    /// <summary>The proxy's warnings and errors.</summary>
    public ProxyLog Log { get; private init; } = null!;

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>One cluster of destinations (id → address) behind a catch-all route that keeps the client's Host header.</summary>
    public static (RouteConfig[] Routes, ClusterConfig[] Clusters) OneCluster(IReadOnlyDictionary<string, string> destinations, string policy = TenantAffinityOptions.PolicyName)
        => ([CatchAll("all", "nodes")], [Cluster("nodes", destinations, policy)]);

    public static RouteConfig CatchAll(string routeId, string clusterId, string? host = null) => new()
    {
        RouteId = routeId,
        ClusterId = clusterId,
        Match = new RouteMatch { Path = "{**catch-all}", Hosts = host is null ? null : [host] },
        // The nodes read the tenant from the Host header: forward the client's, not the destination's.
        Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
    };

    /// <summary>
    /// A cluster with active health checks on <c>/health</c> (every <paramref name="activeInterval"/>, 500 ms unless
    /// given; two consecutive failures mark a destination unhealthy) and passive ones.
    /// </summary>
    public static ClusterConfig Cluster(string clusterId, IReadOnlyDictionary<string, string> destinations, string policy = TenantAffinityOptions.PolicyName, TimeSpan? activeInterval = null) => new()
    {
        ClusterId = clusterId,
        LoadBalancingPolicy = policy,
        Destinations = destinations.ToDictionary(d => d.Key, d => new DestinationConfig { Address = d.Value }),
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = activeInterval ?? TimeSpan.FromMilliseconds(500),
                Timeout = TimeSpan.FromMilliseconds(1_000),
                Policy = "ConsecutiveFailures",
                Path = "/health",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = "TransportFailureRate",
                ReactivationPeriod = TimeSpan.FromSeconds(5),
            },
        },
    };

    public static async Task<TestProxy> StartAsync(
        RouteConfig[] routes,
        ClusterConfig[] clusters,
        Action<TenantKitBuilder> strategies,
        Action<TenantAffinityOptions>? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var log = new ProxyLog();
        builder.Logging.AddProvider(log);
        var config = new InMemoryConfigProvider(routes, clusters);
        builder.Services.AddSingleton<IProxyConfigProvider>(config);
        builder.Services.AddReverseProxy().AddTenantAffinity(strategies, options);

        var app = builder.Build();
        app.MapReverseProxy(proxy => proxy.UseTenantAffinity());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestProxy(app, config, new Uri(address)) { Log = log };
    }

    /// <summary>Sends a request naming <paramref name="host"/>; a request that got no answer is a status of 0.</summary>
    public async Task<(HttpStatusCode Status, string Body, string? ContentType)> GetAsync(string host, string path = "/", CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        try
        {
            using var response = await Client.SendAsync(request, cancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), response.Content.Headers.ContentType?.MediaType);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (0, e.Message, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
