using System.Diagnostics.Tracing;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Runtime;

namespace TenantKit.Benchmarks.Runtime;

/// <summary>
/// Bytes allocated per cold tenant on the registrations of a real ASP.NET Core app (as <see cref="ColdBuildBenchmarks"/>:
/// build, first request's resolutions, unload), exactly (<see cref="GC.GetTotalAllocatedBytes"/>, every thread: builds run
/// on the thread pool), then by type from the runtime's allocation sampling (an event about every 100 KB, so the split
/// is an estimate; run enough tenants).
/// </summary>
/// <remarks><c>dotnet run -c Release --project benchmarks/TenantKit.Benchmarks -- coldalloc [tenants]</c></remarks>
public static class ColdAllocReport
{
    public static void Run(int count)
    {
        var builder = RealAppHost.CreateBuilder();
        builder.Services.AddTenantKit(t => t.ConfigureRuntime(r => r.IdleTimeout = Timeout.InfiniteTimeSpan));
        using var app = builder.Build();
        var runtime = app.Services.GetRequiredService<ITenantRuntime>();
        var accessor = app.Services.GetRequiredService<ITenantContextAccessor>();
        Build(runtime, accessor, 0, 200);
        var factoryType = typeof(ITenantRuntime).Assembly.GetType("TenantKit.Runtime.TenantContainerFactory", throwOnError: true)!;
        var templateSize = factoryType.GetProperty("TemplateSize", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(app.Services.GetService(factoryType));
        Console.WriteLine($"descriptors every tenant container starts with: {templateSize}");

        using var listener = new AllocationListener();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        listener.On = true;
        Build(runtime, accessor, 1_000, count);
        listener.On = false;
        var perTenant = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated per cold tenant: {perTenant:F0} B ({count:N0} tenants)"));
        var sampled = Math.Max(1, listener.Bytes.Values.Sum());
        foreach (var (name, bytes) in listener.Bytes.OrderByDescending(p => p.Value).Take(30))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{perTenant * bytes / sampled,8:F0} B  {100.0 * bytes / sampled,5:F1}%  {name}"));
        }
    }

    private static void Build(ITenantRuntime runtime, ITenantContextAccessor accessor, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var tenant = new TenantInfo($"id{i}", $"t{i}", $"Tenant {i}");
            var lease = runtime.AcquireAsync(tenant).AsTask().GetAwaiter().GetResult();
            using (var scope = lease.CreateScope())
            {
                RealAppHost.FirstRequest(scope.ServiceProvider);
            }

            lease.Dispose();
            using var host = accessor.BeginHostScope();
            runtime.Unload(tenant.Id);
        }
    }

    /// <summary>The runtime's allocation ticks (GC keyword, verbose), summed by type name.</summary>
    private sealed class AllocationListener : EventListener
    {
        public Dictionary<string, long> Bytes { get; } = [];

        public volatile bool On;

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (!On || eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is not { } names)
            {
                return;
            }

            var name = eventData.Payload![names.IndexOf("TypeName")] as string ?? "?";
            var amount = Convert.ToInt64(eventData.Payload[names.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
            lock (Bytes)
            {
                Bytes[name] = Bytes.GetValueOrDefault(name) + amount;
            }
        }
    }
}
