using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TenantKit.Features;
using TenantKit.Runtime;

namespace TenantKit.Benchmarks.Features;

/// <summary>
/// Issue #17: build time per feature. A cold tenant on the registrations of a real ASP.NET Core app (as
/// <c>ColdBuildBenchmarks</c>), with 0, 1 or 10 features (each a keyed singleton, a keyed scoped service and an options
/// configuration), built, its options read once, then unloaded. The cost of one feature is the difference to 0 over
/// the number of features.
/// </summary>
[MemoryDiagnoser]
public class FeatureBuildBenchmarks
{
    private const int TenantsPerInvoke = 50;
    private WebApplication _app = null!;
    private ITenantRuntime _runtime = null!;
    private Dictionary<string, string> _properties = null!;
    private int _next;

    /// <summary>How many features each tenant has.</summary>
    [Params(0, 1, 10)]
    public int Features { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var builder = Runtime.RealAppHost.CreateBuilder();
        builder.Services.AddTenantKit(t =>
        {
            t.ConfigureRuntime(r => r.IdleTimeout = Timeout.InfiniteTimeSpan);
            FeatureSet.Declare(t, 10);
        });
        _app = builder.Build();
        _runtime = _app.Services.GetRequiredService<ITenantRuntime>();
        _properties = Features == 0
            ? []
            : new Dictionary<string, string> { [TenantFeatureProperties.Features] = string.Join(",", Enumerable.Range(0, Features).Select(FeatureSet.Id)) };
        BuildTenants();
    }

    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = TenantsPerInvoke)]
    public void BuildTenant() => BuildTenants();

    private void BuildTenants()
    {
        var tenants = new TenantInfo[TenantsPerInvoke];
        for (var i = 0; i < TenantsPerInvoke; i++)
        {
            var n = Interlocked.Increment(ref _next);
            tenants[i] = new TenantInfo($"id{n}", $"t{n}", $"Tenant {n}", properties: _properties);
            var lease = _runtime.AcquireAsync(tenants[i]).AsTask().GetAwaiter().GetResult();
            using (var scope = lease.CreateScope())
            {
                Runtime.RealAppHost.FirstRequest(scope.ServiceProvider);
                _ = scope.ServiceProvider.GetRequiredService<IOptions<FeatureSet.FeatureOptions>>().Value;
            }

            lease.Dispose();
        }

        using var host = _app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();
        foreach (var tenant in tenants)
        {
            _runtime.Unload(tenant.Id);
        }
    }
}
