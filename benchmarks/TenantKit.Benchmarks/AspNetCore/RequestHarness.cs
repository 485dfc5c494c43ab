using System.Diagnostics;
using System.Globalization;

namespace TenantKit.Benchmarks.AspNetCore;

/// <summary>
/// The per-request pipelines of <see cref="MiddlewareBenchmarks"/> run interleaved, round after round, so the machine's
/// noise hits every variant alike: for each, the minimum and median time per request over the rounds, the bytes
/// allocated per request, and the time the process spent paused in garbage collection per request. Each variant is
/// compared with the baseline that reads its <c>Host</c> the same way (the same string objects repeated, or a new
/// string per request).
/// </summary>
/// <remarks><c>dotnet run -c Release --project benchmarks/TenantKit.Benchmarks -- requests [rounds] [requests-per-round]</c></remarks>
internal static class RequestHarness
{
    public static void Run(int rounds, int perRound)
    {
        Console.WriteLine($"Interleaved: {rounds} rounds of {perRound:N0} requests per variant; server GC: {System.Runtime.GCSettings.IsServerGC}");
        foreach (var tenants in new[] { 10_000, 100_000 })
        {
            var bench = new MiddlewareBenchmarks { Tenants = tenants };
            bench.Setup();
            try
            {
                Measure(bench, tenants, rounds, perRound);
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }

    private static void Measure(MiddlewareBenchmarks bench, int tenants, int rounds, int perRound)
    {
        (string Name, Action Request, int Baseline)[] variants =
        [
            ("bare, repeated Host", bench.BareWithRequestServices, 0),
            ("TenantKit, repeated Host", bench.TenantKitRequest, 0),
            ("bare, new Host string", bench.BareWithRequestServicesNewHostString, 2),
            ("TenantKit, new Host string", bench.TenantKitNewHostString, 2),
        ];
        var times = variants.Select(_ => new List<double>()).ToArray();
        var bytes = new double[variants.Length];
        var pauses = new double[variants.Length];
        var gen1 = new int[variants.Length];
        foreach (var (_, request, _) in variants)
        {
            for (var i = 0; i < perRound; i++)
            {
                request();
            }
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                var request = variants[v].Request;
                GC.Collect();
                var pausedBefore = GC.GetTotalPauseDuration();
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var gen1Before = GC.CollectionCount(1);
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < perRound; i++)
                {
                    request();
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                times[v].Add(elapsed.TotalNanoseconds / perRound);
                bytes[v] += (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / perRound / rounds;
                pauses[v] += (GC.GetTotalPauseDuration() - pausedBefore).TotalNanoseconds / perRound / rounds;
                gen1[v] += GC.CollectionCount(1) - gen1Before;
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Tenants: {tenants:N0}");
        Console.WriteLine("| variant | min ns | median ns | over its baseline (min) | bytes | GC pause ns | gen1 GCs |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        for (var v = 0; v < variants.Length; v++)
        {
            var min = times[v].Min();
            var median = times[v].Order().ElementAt(times[v].Count / 2);
            var baseline = times[variants[v].Baseline].Min();
            var over = v == variants[v].Baseline ? "baseline" : $"{min - baseline:+0;-0} ns, {bytes[v] - bytes[variants[v].Baseline]:+0;-0;0} B";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variants[v].Name} | {min:F0} | {median:F0} | {over} | {bytes[v]:F0} | {pauses[v]:F0} | {gen1[v]} |"));
        }
    }
}
