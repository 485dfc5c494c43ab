using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Runtime;

namespace TenantKit.Benchmarks.Runtime;

/// <summary>
/// Loads N tenants of a real ASP.NET Core app (209 registrations, first request served) and reports the memory they
/// retain: managed heap growth measured after full collections, and working set.
/// </summary>
public static class ResidentMemoryReport
{
    public static async Task RunAsync(int count)
    {
        var builder = RealAppHost.CreateBuilder();
        builder.Services.AddTenantKit(t => t.ConfigureRuntime(r => r.IdleTimeout = Timeout.InfiniteTimeSpan));
        await using var app = builder.Build();
        var runtime = app.Services.GetRequiredService<ITenantRuntime>();
        await Touch(runtime, new TenantInfo("warm", "warm", "Warm-up"));

        var before = Measure();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await Touch(runtime, new TenantInfo($"id{i}", $"t{i}", $"Tenant {i}"));
        }

        stopwatch.Stop();
        var after = Measure();
        var perTenant = (after.Managed - before.Managed) / (double)count;
        Console.WriteLine($"Resident tenants:           {runtime.Counts.Resident:N0}");
        Console.WriteLine($"Build + first request:      {stopwatch.Elapsed.TotalMilliseconds / count:F3} ms per tenant (sequential)");
        Console.WriteLine($"Managed heap retained:      {(after.Managed - before.Managed) / 1048576.0:F1} MiB in all, {perTenant / 1024:F1} KiB per tenant");
        Console.WriteLine($"Working set:                {before.WorkingSet / 1048576.0:F0} MiB -> {after.WorkingSet / 1048576.0:F0} MiB");
    }

    private static async Task Touch(ITenantRuntime runtime, TenantInfo tenant)
    {
        var lease = await runtime.AcquireAsync(tenant);
        await using (lease)
        {
            await using var scope = lease.CreateAsyncScope();
            RealAppHost.FirstRequest(scope.ServiceProvider);
        }
    }

    private static (long Managed, long WorkingSet) Measure()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}
