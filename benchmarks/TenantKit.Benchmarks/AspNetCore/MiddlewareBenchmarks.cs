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
/// Requests rotate over 64 resident tenants of a catalog of <see cref="Tenants"/>, with the same <c>Host</c> string objects
/// repeated (a keep-alive connection) or a new string per request (a proxy's pooled connection), each against its own
/// baseline. <c>RequestHarness</c> runs the same methods interleaved and reports GC time.
/// Targets (issue #18): +100 ns repeated, +150 ns new strings, 0 bytes added.
/// </summary>
[MemoryDiagnoser]
public class MiddlewareBenchmarks
{
    private const int Rotation = 64;
    private ServiceProvider _services = null!;
    private IServiceScopeFactory _scopes = null!;
    private RequestDelegate _bare = null!;
    private RequestDelegate _bareWithServices = null!;
    private RequestDelegate _tenantKit = null!;
    private string[] _hosts = null!;
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

    /// <summary>The baseline with a new <c>Host</c> string per request, as a server reading it from a proxy's pooled connection.</summary>
    [Benchmark]
    public void BareWithRequestServicesNewHostString() => Run(_bareWithServices, NewHost());

    /// <summary>UseTenantKit with a new <c>Host</c> string per request (equal text, a new object, garbage after the request).</summary>
    [Benchmark]
    public void TenantKitNewHostString() => Run(_tenantKit, NewHost());

    private string NewHost() => new(_hosts[_next & (Rotation - 1)].AsSpan());

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
