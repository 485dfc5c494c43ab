using System.Text.Json;

namespace TenantKit.Scale.Tests;

/// <summary>
/// The fast variant of the scale run (2,000 tenants, capacity 200, 2 s hot and 3 s churn per variant, both variants,
/// a real server process on 127.0.0.1): run once for the class, then checked for outcomes only, never for timings.
/// </summary>
public sealed class ScaleSmokeTests(ScaleSmokeTests.SmokeRun run) : IClassFixture<ScaleSmokeTests.SmokeRun>
{
    [Fact]
    public void SmokeRun_BothVariants_FailNoRequest()
    {
        Assert.Equal(0, run.Summary.FailedRequests);
        Assert.All(run.Summary.Phases, phase => Assert.Equal(0, phase.Failures));
    }

    [Fact]
    public void SmokeRun_BothVariants_ServeEveryPhase()
    {
        var phases = run.Summary.Phases.Select(p => $"{p.Variant}/{p.Phase}").ToList();
        Assert.Equal(["bare/warmup", "bare/hot", "bare/churn", "tenantkit/warmup", "tenantkit/hot", "tenantkit/churn"], phases);
        Assert.All(run.Summary.Phases, phase => Assert.True(phase.Requests > 0, $"{phase.Variant}/{phase.Phase} served nothing"));
    }

    [Fact]
    public void SmokeRun_AfterChurn_ResidentWithinCapacity()
    {
        Assert.NotNull(run.Summary.ResidentAfterRun);
        Assert.InRange(run.Summary.ResidentAfterRun.Value, 1, run.Options.Capacity);
    }

    [Fact]
    public void SmokeRun_ChurnPhase_UnloadsTenants()
    {
        Assert.True(run.Summary.Unloads > 0, "no tenant was unloaded: the tail did not churn");
        Assert.True(run.Summary.Builds > run.Options.Capacity, "no tenant was built past the capacity");
    }

    [Fact]
    public void SmokeRun_Output_HasCsvSummaryAndCharts()
    {
        var csv = File.ReadAllLines(Path.Combine(run.Options.Output, "samples.csv"));
        Assert.StartsWith("variant,phase,second,requests,rps,failures,p50_ms,p99_ms,p999_ms", csv[0], StringComparison.Ordinal);
        Assert.Contains(csv, line => line.StartsWith("bare,churn,", StringComparison.Ordinal));
        Assert.Contains(csv, line => line.StartsWith("tenantkit,churn,", StringComparison.Ordinal));

        var text = File.ReadAllText(Path.Combine(run.Options.Output, "summary.txt"));
        Assert.Contains("| tenantkit | churn |", text, StringComparison.Ordinal);
        Assert.Contains("- Failed requests: 0 (target 0): MET", text, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Options.Output, "summary.json")));
        Assert.Equal(run.Options.Tenants, json.RootElement.GetProperty("Tenants").GetInt32());

        foreach (var chart in new[] { "resident.svg", "memory.svg", "latency.svg", "throughput.svg", "churn.svg" })
        {
            var svg = File.ReadAllText(Path.Combine(run.Options.Output, chart));
            Assert.StartsWith("<svg ", svg, StringComparison.Ordinal);
            Assert.Contains("<polyline", svg, StringComparison.Ordinal);
        }
    }

    /// <summary>The one fast run the tests of this class check.</summary>
    public sealed class SmokeRun : ScaleRun
    {
        public override ScaleOptions Options { get; } = new()
        {
            Tenants = 2_000,
            Capacity = 200,
            Connections = 8,
            HotSeconds = 2,
            ChurnSeconds = 3,
            Output = TemporaryFolder("smoke"),
        };
    }
}
