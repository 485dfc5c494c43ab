using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.AspNetCore;
using TenantKit.Features;

namespace TenantKit.Benchmarks.Features;

/// <summary>
/// Issue #17: per-request cost of features. The same pipeline (<c>UseTenantKit()</c>, host strategy, an endpoint that
/// resolves a service from the request scope) for 64 resident tenants with no feature and 64 with ten (each feature
/// registering a singleton, a scoped service and an options configuration), on an endpoint without feature metadata and
/// on one marked <c>RequireFeature</c>. Routing is not run: the endpoint is set on the request as routing would.
/// Target: no measurable difference between <see cref="NoFeatures"/> and <see cref="TenFeatures"/>.
/// </summary>
[MemoryDiagnoser]
public class FeatureRequestBenchmarks
{
    private const int Rotation = 64;
    private ServiceProvider _services = null!;
    private IServiceScopeFactory _scopes = null!;
    private RequestDelegate _pipeline = null!;
    private Endpoint _plain = null!;
    private Endpoint _gated = null!;
    private string[] _none = null!;
    private string[] _ten = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var drafts = new List<TenantDraft>();
        for (var i = 0; i < Rotation; i++)
        {
            drafts.Add(new TenantDraft($"none{i}") { Id = $"none-{i}" });
            drafts.Add(new TenantDraft($"ten{i}") { Id = $"ten-{i}", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "ten" } });
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRouting();
        services.AddSingleton<Service>();
        services.AddTenantKit(t =>
        {
            t.WithInMemoryStore([.. drafts]).WithHostStrategy("{tenant}.example.com");
            FeatureSet.Declare(t, 20);
            t.AddPlan("ten", [.. Enumerable.Range(0, 10).Select(FeatureSet.Id)]);
        });
        _services = services.BuildServiceProvider();
        _scopes = _services.GetRequiredService<IServiceScopeFactory>();

        var app = new ApplicationBuilder(_services);
        app.UseTenantKit();
        app.Run(static context =>
        {
            context.RequestServices.GetService(typeof(Service));
            return Task.CompletedTask;
        });
        _pipeline = app.Build();
        _plain = new Endpoint(null, new EndpointMetadataCollection(), "plain");
        _gated = new Endpoint(null, new EndpointMetadataCollection(new RequireFeatureAttribute(FeatureSet.Id(5))), "gated");
        _none = [.. Enumerable.Range(0, Rotation).Select(i => $"none{i}.example.com")];
        _ten = [.. Enumerable.Range(0, Rotation).Select(i => $"ten{i}.example.com")];
        for (var i = 0; i < Rotation * 2; i++)
        {
            NoFeatures();
            TenFeatures();
            TenFeaturesOnAFeatureEndpoint();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>A tenant with no feature, an endpoint without feature metadata.</summary>
    [Benchmark(Baseline = true)]
    public void NoFeatures() => Run(_none, _plain);

    /// <summary>A tenant with ten features, the same endpoint.</summary>
    [Benchmark]
    public void TenFeatures() => Run(_ten, _plain);

    /// <summary>A tenant with ten features, an endpoint marked <c>RequireFeature</c> (checked against the generation's set).</summary>
    [Benchmark]
    public void TenFeaturesOnAFeatureEndpoint() => Run(_ten, _gated);

    private void Run(string[] hosts, Endpoint endpoint)
    {
        var host = hosts[_next++ & (Rotation - 1)];
        var response = new CompletingResponseFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature());
        context.Request.Headers.Host = host;
        context.Features.Set<IServiceProvidersFeature>(new RequestServicesFeature(context, _scopes));
        context.SetEndpoint(endpoint);
        _pipeline(context).GetAwaiter().GetResult();
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"{host} answered {context.Response.StatusCode}.");
        }

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
