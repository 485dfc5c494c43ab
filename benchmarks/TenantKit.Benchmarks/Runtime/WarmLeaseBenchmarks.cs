using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Catalog;
using TenantKit.Runtime;

namespace TenantKit.Benchmarks.Runtime;

/// <summary>
/// The warm path: take a lease on a resident tenant, resolve a service, release — against resolving the same service
/// from a plain container. Target: under 50 ns and 0 bytes added.
/// </summary>
[MemoryDiagnoser]
public class WarmLeaseBenchmarks
{
    private ServiceProvider _host = null!;
    private ServiceProvider _plain = null!;
    private ITenantRuntime _runtime = null!;
    private TenantInfo _tenant = null!;

    [GlobalSetup]
    public void Setup()
    {
        var plain = new ServiceCollection();
        plain.AddSingleton<Service>();
        plain.AddScoped<ScopedService>();
        _plain = plain.BuildServiceProvider();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Service>();
        services.AddScoped<ScopedService>();
        services.AddTenantKit(t => t.WithInMemoryStore(new TenantDraft("acme")));
        _host = services.BuildServiceProvider();
        _runtime = _host.GetRequiredService<ITenantRuntime>();
        _tenant = _host.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme").AsTask().GetAwaiter().GetResult()!;
        using var warm = _runtime.AcquireAsync(_tenant).AsTask().GetAwaiter().GetResult();
        _ = warm.Services.GetRequiredService<Service>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _plain.Dispose();
    }

    [Benchmark(Baseline = true)]
    public object PlainResolve() => _plain.GetService(typeof(Service))!;

    [Benchmark]
    public object AcquireResolveRelease()
    {
        var lease = _runtime.AcquireAsync(_tenant).GetAwaiter().GetResult();
        var service = lease.Services.GetService(typeof(Service))!;
        lease.Dispose();
        return service;
    }

    [Benchmark]
    public object PlainScopeResolve()
    {
        using var scope = _plain.CreateScope();
        return scope.ServiceProvider.GetService(typeof(ScopedService))!;
    }

    [Benchmark]
    public object AcquireScopeResolveRelease()
    {
        var lease = _runtime.AcquireAsync(_tenant).GetAwaiter().GetResult();
        object service;
        using (var scope = lease.CreateScope())
        {
            service = scope.ServiceProvider.GetService(typeof(ScopedService))!;
        }

        lease.Dispose();
        return service;
    }

    public sealed class Service;

    public sealed class ScopedService;
}
