using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Resolution;
using TenantKit.Runtime;

namespace TenantKit.Benchmarks.AspNetCore;

/// <summary>
/// Where <see cref="MiddlewareBenchmarks"/>' per-request overhead goes: each piece of a tenant request on its own, over
/// the same 64 resident tenants of 10,000 (host strategy). <see cref="ScopeInTenant"/> and <see cref="ScopeInApplication"/>
/// compare the request scope (created, one service resolved, disposed) in a tenant's container and in the application's.
/// </summary>
[MemoryDiagnoser]
public class MiddlewarePiecesBenchmarks
{
    private const int Rotation = 64;
    private ServiceProvider _services = null!;
    private ITenantResolver<HttpContext> _resolver = null!;
    private ITenantRuntime _runtime = null!;
    private ITenantContextAccessor _accessor = null!;
    private IServiceScopeFactory _scopes = null!;
    private DefaultHttpContext[] _contexts = null!;
    private TenantInfo[] _tenants = null!;
    private TenantLease[] _leases = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var drafts = new TenantDraft[10_000];
        for (var i = 0; i < drafts.Length; i++)
        {
            drafts[i] = new TenantDraft($"t{i}") { Id = $"id-{i}" };
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRouting();
        services.AddSingleton<MiddlewareBenchmarks.Service>();
        services.AddScoped<ScopedService>();
        services.AddTenantKit(t => t.WithInMemoryStore(drafts).WithHostStrategy("{tenant}.example.com"));
        _services = services.BuildServiceProvider();
        _resolver = _services.GetRequiredService<ITenantResolver<HttpContext>>();
        _runtime = _services.GetRequiredService<ITenantRuntime>();
        _accessor = _services.GetRequiredService<ITenantContextAccessor>();
        _scopes = _services.GetRequiredService<IServiceScopeFactory>();
        var step = drafts.Length / Rotation;
        _contexts = new DefaultHttpContext[Rotation];
        _tenants = new TenantInfo[Rotation];
        _leases = new TenantLease[Rotation];
        for (var i = 0; i < Rotation; i++)
        {
            _contexts[i] = new DefaultHttpContext();
            _contexts[i].Request.Headers.Host = $"t{i * step}.example.com";
            _tenants[i] = _resolver.ResolveAsync(_contexts[i]).AsTask().GetAwaiter().GetResult().Tenant!;
            _leases[i] = _runtime.AcquireAsync(_tenants[i]).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var lease in _leases)
        {
            lease.Dispose();
        }

        _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Host header to tenant: the strategy, the identifier checks and the catalog's cache.</summary>
    [Benchmark]
    public TenantInfo? Resolve() => _resolver.ResolveAsync(_contexts[_next++ & (Rotation - 1)]).Result.Tenant;

    /// <summary>A lease on a resident tenant, taken and released.</summary>
    [Benchmark]
    public void Lease() => _runtime.AcquireAsync(_tenants[_next++ & (Rotation - 1)]).Result.Dispose();

    /// <summary>A request scope of a tenant's container: created, one scoped service resolved, disposed.</summary>
    [Benchmark]
    public void ScopeInTenant()
    {
        var scope = _leases[_next++ & (Rotation - 1)].CreateAsyncScope();
        scope.ServiceProvider.GetService(typeof(ScopedService));
        scope.DisposeAsync().GetAwaiter().GetResult();
    }

    /// <summary>The same in the application's container (what the bare pipeline pays).</summary>
    [Benchmark(Baseline = true)]
    public void ScopeInApplication()
    {
        var scope = _scopes.CreateAsyncScope();
        scope.ServiceProvider.GetService(typeof(ScopedService));
        scope.DisposeAsync().GetAwaiter().GetResult();
    }

    /// <summary>The ambient tenant context set inside an async method, and restored when it returns.</summary>
    [Benchmark]
    public void AmbientContext() => EnterAsync(_tenants[_next++ & (Rotation - 1)]).GetAwaiter().GetResult();

    private async Task EnterAsync(TenantInfo tenant)
    {
        _ = _accessor.BeginTenantScope(tenant, _services);
        await Task.CompletedTask;
    }

    public sealed class ScopedService;
}
