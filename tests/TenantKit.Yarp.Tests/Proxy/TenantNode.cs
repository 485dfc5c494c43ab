using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace TenantKit.Yarp.Tests.Proxy;

/// <summary>
/// A real TenantKit node in this process, on Kestrel (127.0.0.1): tenants at <c>{tenant}.example.com</c> from an
/// in-memory catalog, an optional region, a fake clock for its runtime (idle unloads happen when the test advances it),
/// and a <c>/health</c> endpoint the test can turn unhealthy (503) for YARP's active health checks.
/// </summary>
public sealed class TenantNode : IAsyncDisposable
{
    private WebApplication? _app;

    private TenantNode(string name) => Name = name;

    public string Name { get; }

    public string Address { get; private set; } = string.Empty;

    /// <summary>The clock of the node's runtime (the sweeper of idle tenants runs when it is advanced).</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>What <c>/health</c> answers: 200 while <see langword="true"/>, 503 otherwise.</summary>
    public bool Healthy { get; set; } = true;

    public int Served;

    public ITenantRuntime Runtime => _app!.Services.GetRequiredService<ITenantRuntime>();

    /// <summary>Whether the tenant <paramref name="identifier"/> is resident (its container built and in memory) on this node.</summary>
    public bool IsResident(string identifier) => Runtime.GetStatuses().Any(s => s.Identifier == identifier && s.IsResident);

    public static async Task<TenantNode> StartAsync(string name, IEnumerable<TenantDraft> tenants, string? region = null, TimeSpan? idleTimeout = null)
    {
        var node = new TenantNode(name);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(node.Time);
        builder.Services.AddTenantKit(b => b
            .WithInMemoryStore([.. tenants])
            .WithHostStrategy("{tenant}.eu.example.com", "{tenant}.us.example.com", "{tenant}.example.com")
            .ConfigureRequests(o => o.Region = region)
            .ConfigureRuntime(o =>
            {
                o.IdleTimeout = idleTimeout ?? TimeSpan.FromMinutes(30);
                o.SweepInterval = TimeSpan.FromMinutes(1);
            }));
        var app = builder.Build();
        app.UseTenantKit();
        app.MapGet("/health", (HttpContext http) => node.Healthy ? Results.Ok("ok") : Results.StatusCode(StatusCodes.Status503ServiceUnavailable))
            .ExcludeFromTenantResolution();
        app.MapGet("/whoami", (HttpContext http) =>
        {
            Interlocked.Increment(ref node.Served);
            return $"{name}|{http.GetRequiredTenant().Identifier}";
        }).RequireTenant();
        await app.StartAsync();
        node._app = app;
        node.Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
