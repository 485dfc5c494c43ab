using Microsoft.Extensions.DependencyInjection;
using TenantKit.Features;
using TenantKit.Samples.Saas.Tenancy;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Pages;

/// <summary>Issue #17, point 6: the <c>reports</c> feature comes with the pro plan (globex), not the free one (acme).</summary>
public sealed class ReportsFeatureTests : IAsyncLifetime
{
    private readonly SampleApp _app = new();
    private HttpClient _host = null!;
    private HttpClient _visitor = null!;

    public async Task InitializeAsync()
    {
        _host = _app.CreateBrowserLikeClient();
        _visitor = _app.CreateBrowserLikeClient();
        await _host.SignInAsync();
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        _visitor.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Globex_OnThePro_Plan_SeesItsReports_AndAcmeOnTheFreePlanGets404AsForAnUnknownPath()
    {
        var globex = await _visitor.HtmlAsync(At("globex", "/reports"));
        using var acme = await _visitor.GetAsync(At("acme", "/reports"));
        using var unknown = await _visitor.GetAsync(At("acme", "/no-such-page"));

        Assert.Equal("2", Field(globex, "report-total"));
        Assert.Equal(HttpStatusCode.NotFound, acme.StatusCode);
        var absent = await acme.ProblemAsync();
        var missing = await unknown.ProblemAsync();
        Assert.Equal(missing.GetProperty("type").GetString(), absent.GetProperty("type").GetString());
        Assert.Equal(missing.GetProperty("title").GetString(), absent.GetProperty("title").GetString());
        Assert.DoesNotContain("feature", absent.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ThePathBaseFallback_ServesReportsToGlobex_AndIs404ForAcme()
    {
        var globex = await _visitor.HtmlAsync(Host("/t/globex/reports"));
        using var acme = await _visitor.GetAsync(Host("/t/acme/reports"));

        Assert.Equal("2", Field(globex, "report-total"));
        Assert.Equal(HttpStatusCode.NotFound, acme.StatusCode);
    }

    [Fact]
    public async Task TheHomePage_LinksToReports_OnlyForTenantsWithTheFeature()
    {
        Assert.Equal("Reports", Field(await _visitor.HtmlAsync(At("globex")), "reports-link"));
        Assert.Null(Field(await _visitor.HtmlAsync(At("acme")), "reports-link"));
    }

    [Fact]
    public async Task TheReportsService_DoesNotResolveInATenantWithoutTheFeature()
    {
        var runtime = _app.Services.GetRequiredService<ITenantRuntime>();
        var catalog = _app.Services.GetRequiredService<ITenantCatalog>();

        await using var globex = await runtime.AcquireAsync(catalog, "globex");
        await using var acme = await runtime.AcquireAsync(catalog, "acme");
        await using var globexScope = globex.CreateAsyncScope();
        await using var acmeScope = acme.CreateAsyncScope();

        Assert.NotNull(globexScope.ServiceProvider.GetService<NoteReports>());
        Assert.Null(acmeScope.ServiceProvider.GetService<NoteReports>());
    }

    [Fact]
    public async Task TheConsole_EnablesAndDisablesAFeaturePerTenant_WithoutARestart()
    {
        var acme = await _app.TenantAsync("acme");
        Assert.Equal("reports: off", Field(await _host.HtmlAsync(HostConsole.Url), "feature-state", "acme"));

        var console = await _host.ActAsync("EnableFeature", acme, ("feature", "reports"));
        Assert.Contains("Enabled reports for acme", Field(console, "message"), StringComparison.Ordinal);
        Assert.Equal("reports: on", Field(console, "feature-state", "acme"));
        Assert.Equal("3", Field(await _visitor.HtmlAsync(At("acme", "/reports")), "report-total"));
        Assert.Equal("reports", (await _app.TenantAsync("acme")).GetProperty(TenantFeatureProperties.Features));

        console = await _host.ActAsync("DisableFeature", await _app.TenantAsync("acme"), ("feature", "reports"));
        Assert.Equal("reports: off", Field(console, "feature-state", "acme"));
        using var gone = await _visitor.GetAsync(At("acme", "/reports"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task ThePlan_IsTheTenantKitPlanProperty_ForFeaturesAndTheRateLimitAlike()
    {
        var globex = await _app.TenantAsync("globex");

        Assert.Equal("pro", globex.GetProperty(TenantFeatureProperties.Plan));
        Assert.Null(globex.GetProperty("Plan"));
        Assert.Equal("pro · 600 requests per minute", Field(await _visitor.HtmlAsync(At("globex")), "plan"));
    }
}
