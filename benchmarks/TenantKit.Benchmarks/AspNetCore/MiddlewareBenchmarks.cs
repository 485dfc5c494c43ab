using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Benchmarks.AspNetCore;

/// <summary>
/// Per-request cost of <c>UseTenantKit()</c> (host strategy: resolve, lease, tenant-scoped request services, ambient
/// context) against the same pipeline without it. Each operation drives the built pipeline with a fresh
/// <see cref="DefaultHttpContext"/> whose request scope is created lazily, as ASP.NET Core hosting does
/// (<see cref="RequestServicesFeature"/>), and completes the response so what was registered for disposal is disposed.
/// Requests rotate over 64 resident tenants of a catalog of <see cref="Tenants"/>.
/// Target: at most +150 ns and +200 bytes over <see cref="BareWithRequestServices"/>.
/// </summary>
[MemoryDiagnoser]
public class MiddlewareBenchmarks
{
    private const int Rotation = 64;
    private const int FreshHosts = 1 << 16;
    private ServiceProvider _services = null!;
    private IServiceScopeFactory _scopes = null!;
    private RequestDelegate _bare = null!;
    private RequestDelegate _bareWithServices = null!;
    private RequestDelegate _tenantKit = null!;
    private string[] _hosts = null!;
    private string[] _freshHosts = null!;
    private int _next;

    /// <summary>How many tenants the catalog holds.</summary>
    [Params(10_000, 100_000)]
    public int Tenants { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var drafts = new TenantDraft[Tenants];
        for (var i = 0; i < Tenants; i++)
        {
            drafts[i] = new TenantDraft($"t{i}") { Id = $"id-{i}" };
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRouting();
        services.AddSingleton<Service>();
        services.AddTenantKit(t => t.WithInMemoryStore(drafts).WithHostStrategy("{tenant}.example.com"));
        _services = services.BuildServiceProvider();
        _scopes = _services.GetRequiredService<IServiceScopeFactory>();

        RequestDelegate endpoint = static context => Task.CompletedTask;
        RequestDelegate endpointWithServices = static context =>
        {
            context.RequestServices.GetService(typeof(Service));
            return Task.CompletedTask;
        };

        var bare = new ApplicationBuilder(_services);
        bare.Run(endpoint);
        _bare = bare.Build();
        var bareWithServices = new ApplicationBuilder(_services);
        bareWithServices.Run(endpointWithServices);
        _bareWithServices = bareWithServices.Build();
        var tenantKit = new ApplicationBuilder(_services);
        tenantKit.UseTenantKit();
        tenantKit.Run(endpointWithServices);
        _tenantKit = tenantKit.Build();

        var step = Tenants / Rotation;
        _hosts = [.. Enumerable.Range(0, Rotation).Select(i => $"t{i * step}.example.com")];
        // Equal strings, each its own object, far more of them than the resolver remembers: every request is a first
        // request on its connection.
        _freshHosts = [.. Enumerable.Range(0, FreshHosts).Select(i => new string(_hosts[i & (Rotation - 1)].AsSpan()))];
        for (var i = 0; i < Rotation * 2; i++)
        {
            TenantKitRequest();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The pipeline alone; the endpoint touches nothing.</summary>
    [Benchmark]
    public void Bare() => Run(_bare);

    /// <summary>The pipeline whose endpoint resolves a service, so hosting creates a request scope.</summary>
    [Benchmark(Baseline = true)]
    public void BareWithRequestServices() => Run(_bareWithServices);

    /// <summary>
    /// The same with UseTenantKit: the endpoint's service comes from the tenant's request scope. The host strings repeat,
    /// as on a keep-alive connection, where Kestrel hands each request the same string object.
    /// </summary>
    [Benchmark]
    public void TenantKitRequest() => Run(_tenantKit);

    /// <summary>The same with a host string never seen recently: the first request of a connection (parsed, validated, looked up).</summary>
    [Benchmark]
    public void TenantKitFirstRequestOnConnection() => Run(_tenantKit, _freshHosts[_next & (FreshHosts - 1)]);

    private void Run(RequestDelegate pipeline) => Run(pipeline, _hosts[_next & (Rotation - 1)]);

    private void Run(RequestDelegate pipeline, string host)
    {
        _next++;
        var response = new CompletingResponseFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature());
        context.Request.Headers.Host = host;
        context.Features.Set<IServiceProvidersFeature>(new RequestServicesFeature(context, _scopes));
        pipeline(context).GetAwaiter().GetResult();
        response.CompleteAsync().GetAwaiter().GetResult();
    }

    public sealed class Service;

    /// <summary>A response feature that runs its OnCompleted callbacks when the response completes, as servers do.</summary>
    private sealed class CompletingResponseFeature : HttpResponseFeature
    {
        private readonly (Func<object, Task> Callback, object State)[] _completed = new (Func<object, Task>, object)[4];
        private int _count;

        public override void OnCompleted(Func<object, Task> callback, object state) => _completed[_count++] = (callback, state);

        public async Task CompleteAsync()
        {
            for (var i = _count - 1; i >= 0; i--)
            {
                await _completed[i].Callback(_completed[i].State);
            }
        }
    }
}
