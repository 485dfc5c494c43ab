using System.Globalization;
using System.Text;

namespace TenantKit.Scale;

/// <summary>The run's result: per-phase numbers, the ratios of TenantKit to the bare app, and the targets.</summary>
public sealed record Summary(
    int Tenants, int Capacity, int Connections, double ZipfExponent, int ProcessorCount, IReadOnlyList<PhaseResult> Phases,
    long FailedRequests, double? HotThroughputRatio, double? ChurnP99Ratio, double? ChurnP999Ratio,
    double? WorkingSetGrowth, double? ManagedHeapGrowth, int? ResidentAfterRun, int? ResidentMax, long? Unloads, long? Builds,
    bool? ThroughputMet, bool? P99Met, bool? MemoryMet, bool FailuresMet, string Text)
{
    /// <summary>Growth above which memory does not count as flat.</summary>
    public const double FlatTolerance = 0.10;

    internal static Summary Create(ScaleOptions options, List<PhaseResult> phases, List<Sample> samples)
    {
        PhaseResult? Find(string variant, string phase) => phases.FirstOrDefault(p => p.Variant == variant && p.Phase == phase);
        var bareHot = Find("bare", "hot");
        var bareChurn = Find("bare", "churn");
        var tkHot = Find("tenantkit", "hot");
        var tkChurn = Find("tenantkit", "churn");
        var failures = phases.Sum(p => p.Failures);

        // At a fixed rate both variants serve the rate they are sent: their throughput says nothing.
        double? throughput = bareHot is not null && tkHot is not null && options.Rate <= 0 ? tkHot.Rps / bareHot.Rps : null;
        double? p99 = bareChurn is not null && tkChurn is not null ? tkChurn.P99Ms / bareChurn.P99Ms : null;
        double? p999 = bareChurn is not null && tkChurn is not null ? tkChurn.P999Ms / bareChurn.P999Ms : null;

        // Flat: the mean of the last quarter of the churn phase against the mean of its second quarter.
        var churn = samples.Where(s => s.Variant == "tenantkit" && s.Phase == "churn").ToList();
        double? Growth(Func<Sample, double> value)
        {
            if (churn.Count < 4)
            {
                return null;
            }

            var quarter = churn.Count / 4;
            var second = churn.Skip(quarter).Take(quarter).Average(value);
            var last = churn.Skip(churn.Count - quarter).Average(value);
            return (last / second) - 1;
        }

        var workingSet = Growth(s => s.WorkingSetMb);
        var heap = Growth(s => s.ManagedHeapMb);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"TenantKit scale run: {options.Tenants:N0} tenants, capacity {options.Capacity:N0}, {options.Connections} connections{(options.Rate > 0 ? $" at a fixed {options.Rate:N0} requests/s (latency from when each request was due)" : " (closed loop)")}, Zipf s={options.ZipfExponent}, hot {options.HotSeconds} s, churn {options.ChurnSeconds} s, dynamic DI engine {(options.DisableDynamicDi ? "off" : "on")}, {(options.ServerGc ? "server" : "workstation")} GC{(options.GcConserveMemory > 0 ? $" with GCConserveMemory={options.GcConserveMemory}" : string.Empty)}{(options.Proxy ? ", through a YARP proxy (pooled connections to the server)" : string.Empty)}, {Environment.ProcessorCount} cores (client and server share them)\n\n");
        text.Append("| variant | phase | seconds | requests | req/s | failed | p50 ms | p99 ms | p99.9 ms | alloc B/req | working set MB (end / max) | managed heap MB | resident (end / max) | builds/s | unloads/s |\n");
        text.Append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var p in phases)
        {
            text.Append(c, $"| {p.Variant} | {p.Phase} | {p.Seconds:0.0} | {p.Requests:N0} | {p.Rps:N0} | {p.Failures} | {p.P50Ms:0.00} | {p.P99Ms:0.00} | {p.P999Ms:0.00} | {p.AllocatedBytesPerRequest:N0} | {p.WorkingSetEndMb:0} / {p.WorkingSetMaxMb:0} | {p.ManagedHeapEndMb:0} | {p.ResidentEnd:N0} / {p.ResidentMax:N0} | {p.BuildsPerSecond:N0} | {p.UnloadsPerSecond:N0} |\n");
        }

        static string Verdict(bool? met) => met switch { true => "MET", false => "NOT MET", null => "not measured" };
        var throughputNote = options.Rate > 0 ? " (not measured at a fixed rate: run without --rate)" : string.Empty;
        bool? throughputMet = throughput is null ? null : throughput >= 0.90;
        bool? p99Met = p99 is null ? null : p99 <= 3.0;
        bool? memoryMet = workingSet is null ? null : workingSet <= FlatTolerance && heap <= FlatTolerance;
        var failuresMet = failures == 0;
        text.Append('\n');
        text.Append(c, $"- Throughput, hot set resident (tenantkit/bare): {Format(throughput, "0.00")} (target >= 0.90): {Verdict(throughputMet)}{throughputNote}\n");
        text.Append(c, $"- p99 under churn (tenantkit/bare): {Format(p99, "0.00")}x (p99.9: {Format(p999, "0.00")}x) (target <= 3x): {Verdict(p99Met)}\n");
        text.Append(c, $"- Memory under churn, last quarter against second quarter: working set {Percent(workingSet)}, managed heap {Percent(heap)}; resident max {tkChurn?.ResidentMax.ToString("N0", c) ?? "-"} of capacity {options.Capacity:N0} (target: flat, <= {FlatTolerance:P0} growth): {Verdict(memoryMet)}\n");
        text.Append(c, $"- Failed requests: {failures} (target 0): {Verdict(failuresMet)}\n");
        if (tkChurn is not null)
        {
            var after = tkChurn.AfterRun ?? tkChurn.End;
            text.Append(c, $"- After the run: {after.Resident:N0} resident, {after.Draining:N0} draining, {after.Builds:N0} builds, {after.Unloads:N0} unloads, {after.FailedBuilds} failed builds\n");
        }

        foreach (var p in phases.Where(p => p.FirstError is not null))
        {
            text.Append(c, $"- First failure ({p.Variant}, {p.Phase}): {p.FirstError}\n");
        }

        return new Summary(
            options.Tenants, options.Capacity, options.Connections, options.ZipfExponent, Environment.ProcessorCount, phases,
            failures, throughput, p99, p999, workingSet, heap, (tkChurn?.AfterRun ?? tkChurn?.End)?.Resident, tkChurn?.ResidentMax,
            (tkChurn?.AfterRun ?? tkChurn?.End)?.Unloads, (tkChurn?.AfterRun ?? tkChurn?.End)?.Builds, throughputMet, p99Met, memoryMet, failuresMet, text.ToString());
    }

    private static string Format(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    private static string Percent(double? value) => value is { } v ? v.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) : "-";
}
