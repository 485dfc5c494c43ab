using TenantKit.Samples.Saas.Hosting;
using TenantKit.Samples.Saas.Tenancy;

namespace TenantKit.Samples.Saas.Tests.Hosting;

/// <summary>What the sample says at start-up, and the small helpers its pages use.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Banner_OnKestrel_NamesTheConsoleAndTheTenantUrlsOnTheServersPort()
    {
        await using var app = new KestrelSampleApp(new Dictionary<string, string?> { ["Sample:Host:Password"] = "banner-s3cret" });

        var banner = StartupBanner.Compose(app.Services);

        Assert.NotNull(banner);
        Assert.Contains($"http://localhost:{app.Port}/console", banner, StringComparison.Ordinal);
        Assert.Contains($"http://acme.localhost:{app.Port}/", banner, StringComparison.Ordinal);
        Assert.Contains($"http://localhost:{app.Port}/t/globex/", banner, StringComparison.Ordinal);
        Assert.Contains($"SQLite files in {app.DataPath}", banner, StringComparison.Ordinal);
        Assert.Contains("Idle tenants leave memory after 1 min", banner, StringComparison.Ordinal);
        Assert.DoesNotContain("banner-s3cret", banner, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(4.2, "5 s")]
    [InlineData(60, "1 min")]
    [InlineData(125, "2 min 5 s")]
    [InlineData(3600, "1 h")]
    [InlineData(3900, "1 h 5 min")]
    [InlineData(-3, "0 s")]
    public void Durations_AreShortAndRoundedUp(double seconds, string expected)
        => Assert.Equal(expected, Durations.Format(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("#0b7285", true)]
    [InlineData("#abc", true)]
    [InlineData("red", false)]
    [InlineData("#0b7285;color:red", false)]
    [InlineData("#12345", false)]
    [InlineData("", false)]
    public void BrandColour_IsAcceptedOnlyAsAHexColour(string value, bool accepted)
        => Assert.Equal(accepted, BrandingOptions.IsColor(value));
}
