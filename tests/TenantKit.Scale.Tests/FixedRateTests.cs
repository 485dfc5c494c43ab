namespace TenantKit.Scale.Tests;

/// <summary>The scale run at a fixed request rate (<c>--rate</c>): the schedule, never a timing, is what is checked.</summary>
public sealed class FixedRateTests(FixedRateTests.FixedRateRun run) : IClassFixture<FixedRateTests.FixedRateRun>
{
    [Fact]
    public void FixedRate_HotAndChurn_NeverSendFasterThanTheRate()
    {
        foreach (var phase in run.Summary.Phases.Where(p => p.Phase != "warmup"))
        {
            // Each connection sends its k-th request no earlier than (w + k * connections) / rate after the phase began.
            var most = (run.Options.Rate * phase.Seconds) + run.Options.Connections;
            Assert.True(phase.Requests > 0, $"{phase.Phase} served nothing");
            Assert.True(phase.Requests <= most, $"{phase.Phase}: {phase.Requests} requests in {phase.Seconds:0.0} s at {run.Options.Rate}/s");
        }
    }

    [Fact]
    public void FixedRate_Warmup_StillLoadsTheWholeHotSet()
    {
        var warmup = Assert.Single(run.Summary.Phases, p => p.Phase == "warmup");
        Assert.Equal(run.Options.Capacity, warmup.Requests);
        Assert.Equal(0, run.Summary.FailedRequests);
    }

    [Fact]
    public void FixedRate_Summary_SaysThroughputIsNotMeasured()
    {
        Assert.Null(run.Summary.HotThroughputRatio);
        Assert.Null(run.Summary.ThroughputMet);
        Assert.Contains("at a fixed 400 requests/s", run.Summary.Text, StringComparison.Ordinal);
        Assert.Contains("not measured at a fixed rate", run.Summary.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void Parse_BadRate_IsRefused(string rate)
    {
        var error = Assert.Throws<ArgumentException>(() => ScaleOptions.Parse(["--rate", rate]));
        Assert.Contains("--rate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rate_IsRead()
        => Assert.Equal(2_500, ScaleOptions.Parse(["--rate", "2500"]).Rate);

    /// <summary>One short TenantKit-only run at 400 requests/s.</summary>
    public sealed class FixedRateRun : ScaleRun
    {
        public override ScaleOptions Options { get; } = new()
        {
            Tenants = 2_000,
            Capacity = 200,
            Connections = 4,
            HotSeconds = 2,
            ChurnSeconds = 2,
            Rate = 400,
            Variants = ["tenantkit"],
            Output = TemporaryFolder("rate"),
        };
    }
}
