using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Runtime;

namespace TenantKit.Benchmarks.Runtime;

/// <summary>
/// A cold tenant: build its container and serve its first request's resolutions, on the registrations of a real
/// ASP.NET Core app (209). Baseline: copying every registration into a fresh container per tenant, the naive way.
/// Target: at most 0.6 ms per tenant, with options still per tenant.
/// </summary>
[MemoryDiagnoser]
public class ColdBuildBenchmarks
{
    private const int TenantsPerInvoke = 50;
    private WebApplication _app = null!;
    private IServiceCollection _hostServices = null!;
    private ITenantRuntime _runtime = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var builder = RealAppHost.CreateBuilder();
        builder.Services.AddTenantKit(t => t.ConfigureRuntime(r => r.IdleTimeout = Timeout.InfiniteTimeSpan));
        _hostServices = new ServiceCollection();
        foreach (var d in builder.Services)
        {
            _hostServices.Add(d);
        }

        _app = builder.Build();
        _runtime = _app.Services.GetRequiredService<ITenantRuntime>();
        BuildTenants(); // first build computes the shared template
    }

    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = TenantsPerInvoke)]
    public void CopyEveryRegistration()
    {
        for (var i = 0; i < TenantsPerInvoke; i++)
        {
            var services = new ServiceCollection();
            foreach (var d in _hostServices)
            {
                ((ICollection<ServiceDescriptor>)services).Add(d);
            }

            using var provider = services.BuildServiceProvider();
            using var scope = provider.CreateScope();
            RealAppHost.FirstRequest(scope.ServiceProvider);
        }
    }

    [Benchmark(OperationsPerInvoke = TenantsPerInvoke)]
    public void TenantKitBuild() => BuildTenants();

    private void BuildTenants()
    {
        var tenants = new TenantInfo[TenantsPerInvoke];
        for (var i = 0; i < TenantsPerInvoke; i++)
        {
            var n = Interlocked.Increment(ref _next);
            tenants[i] = new TenantInfo($"id{n}", $"t{n}", $"Tenant {n}");
            var lease = _runtime.AcquireAsync(tenants[i]).AsTask().GetAwaiter().GetResult();
            using (var scope = lease.CreateScope())
            {
                RealAppHost.FirstRequest(scope.ServiceProvider);
            }

            lease.Dispose();
        }

        // Unload them so the runtime does not grow across iterations (unloading is not measured work, but it is
        // inside the invoke: it only flags generations and queues their disposal).
        using var host = _app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();
        foreach (var tenant in tenants)
        {
            _runtime.Unload(tenant.Id);
        }
    }
}
