using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace TenantKit.Samples.Saas.Tests.Browser;

/// <summary>
/// Issue #17, point 6, in a real browser: acme (free plan) gets 404 for the Reports page; the host enables the feature
/// for acme in the console, and acme sees its Reports page at once, without a restart.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FeatureScenarioTests(BrowserFixture chromium) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AcmesReportsPageIs404_TheHostEnablesReportsInTheConsole_AndAcmeSeesThePageWithoutARestart()
    {
        await using var app = new KestrelSampleApp();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        SetDefaultExpectTimeout(15_000);
        var step = "start";
        try
        {
            step = "acme-reports-404";
            var absent = await page.GotoAsync(app.TenantRoot("acme") + "reports");
            Assert.Equal(404, absent?.Status);
            Assert.Equal("application/problem+json", (await absent!.HeaderValueAsync("content-type"))?.Split(';')[0]);
            await Expect(page.Locator("body")).ToContainTextAsync("Not Found");
            await Expect(page.Locator("body")).Not.ToContainTextAsync("feature");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("features-01-acme-reports-404"), FullPage = true });

            step = "globex-reports";
            await page.GotoAsync(app.TenantRoot("globex") + "reports");
            await Expect(page.Locator("h1")).ToHaveTextAsync("Reports");
            await Expect(page.Locator("[data-field=report-total]")).ToHaveTextAsync("2");

            step = "sign-in";
            await page.GotoAsync(app.HostRoot + "/console");
            await Expect(page).ToHaveURLAsync(new Regex("/console/signin"));
            await page.Locator("#Input_UserName").FillAsync(HostConsole.UserName);
            await page.Locator("#Input_Password").FillAsync(HostConsole.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync("Tenants");

            step = "enable-reports-for-acme";
            var acme = page.Locator("tr[data-tenant=acme]");
            await Expect(acme.Locator("[data-field=feature-state][data-feature=reports]")).ToHaveTextAsync("reports: off");
            await acme.Locator("button[data-action=enable-feature][data-feature=reports]").ClickAsync();
            await Expect(page.Locator("[data-field=message]")).ToContainTextAsync("Enabled reports for acme");
            await Expect(acme.Locator("[data-field=feature-state][data-feature=reports]")).ToHaveTextAsync("reports: on");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("features-02-console-acme-reports-on"), FullPage = true });

            step = "acme-reports";
            await page.GotoAsync(app.TenantRoot("acme"));
            await page.Locator("[data-field=reports-link]").ClickAsync();
            await Expect(page).ToHaveURLAsync(app.TenantRoot("acme") + "reports");
            await Expect(page.Locator("h1")).ToHaveTextAsync("Reports");
            await Expect(page.Locator("[data-field=report-total]")).ToHaveTextAsync("3");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("features-03-acme-reports"), FullPage = true });
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("features-failed-at-" + step), FullPage = true });
            throw;
        }
    }
}
