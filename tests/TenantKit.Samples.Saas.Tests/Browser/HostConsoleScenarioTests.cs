using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace TenantKit.Samples.Saas.Tests.Browser;

/// <summary>
/// The README's tour in a real browser: Chromium against the sample on Kestrel, tenants by host name
/// (<c>initech.localhost:{port}</c>). Screenshots of each step go to <c>artifacts/screenshots/</c>.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class HostConsoleScenarioTests(BrowserFixture chromium) : IClassFixture<BrowserFixture>
{
    /// <summary>Short, so the test watches a tenant leave memory in real time; the sweep runs every second.</summary>
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["TenantKit:Runtime:IdleTimeout"] = "00:00:08",
        ["TenantKit:Runtime:SweepInterval"] = "00:00:01",
    };

    [Fact]
    public async Task HostCreatesInitech_ItsNotesStayItsOwn_ItLeavesMemoryWhenIdle_AndSuspendingItShowsTheSuspendedError()
    {
        await using var app = new KestrelSampleApp(Settings);
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        SetDefaultExpectTimeout(15_000);
        var step = "start";
        try
        {
            step = "sign-in";
            await page.GotoAsync(app.HostRoot + "/console");
            await Expect(page).ToHaveURLAsync(new Regex("/console/signin"));
            await page.Locator("#Input_UserName").FillAsync(HostConsole.UserName);
            await page.Locator("#Input_Password").FillAsync(HostConsole.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync("Tenants");

            step = "create-initech";
            await page.Locator("#Create_Identifier").FillAsync("initech");
            await page.Locator("#Create_Name").FillAsync("Initech");
            await page.Locator("#Create_Tagline").FillAsync("Is this good for the company?");
            await page.Locator("#Create_Color").FillAsync("#2b8a3e");
            await page.Locator("#Create_Plan").SelectOptionAsync("pro");
            await page.Locator("#Create_AdministratorEmail").FillAsync("bill@initech.example");
            await page.Locator("#Create_AdministratorPassword").FillAsync("Tps-report-1");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create tenant" }).ClickAsync();
            await Expect(page.Locator("[data-field=message]")).ToContainTextAsync("Created initech");
            var initech = page.Locator("tr[data-tenant=initech]");
            await Expect(initech.Locator("[data-field=state]")).ToHaveTextAsync("active");
            // Its administrator was made inside it, so initech may be in memory already (until it idles out, below).
            await Expect(initech.Locator("[data-field=user-count]")).ToHaveTextAsync("1");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("01-console-initech-created"), FullPage = true });

            step = "initech-has-no-notes";
            await initech.GetByRole(AriaRole.Link, new() { Name = "initech.localhost" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(app.TenantRoot("initech"));
            await Expect(page.Locator("h1")).ToHaveTextAsync("Initech");
            await Expect(page.Locator("[data-field=no-notes]")).ToBeVisibleAsync();
            await Expect(page.Locator("[data-field=note-count]")).ToHaveTextAsync("0");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("02-initech-no-notes"), FullPage = true });

            step = "initech-administrator-signs-in";
            await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).First.ClickAsync();
            await page.Locator("#Input_Email").FillAsync("bill@initech.example");
            await page.Locator("#Input_Password").FillAsync("Tps-report-1");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.Locator("[data-field=signed-in-as]")).ToHaveTextAsync("bill@initech.example");

            step = "initech-adds-a-note";
            await page.Locator("#Input_Title").FillAsync("TPS reports");
            await page.Locator("#Input_Text").FillAsync("Use the new cover sheets from now on.");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
            await Expect(page.Locator(".note h3")).ToHaveTextAsync("TPS reports");
            await Expect(page.Locator("[data-field=note-count]")).ToHaveTextAsync("1");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("03-initech-note"), FullPage = true });

            step = "acme-does-not-see-it";
            await page.GotoAsync(app.TenantRoot("acme"));
            await Expect(page.Locator("h1")).ToHaveTextAsync("Acme Corporation");
            await Expect(page.Locator("[data-field=note-count]")).ToHaveTextAsync("3");
            await Expect(page.Locator("main")).Not.ToContainTextAsync("TPS reports");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("04-acme-notes"), FullPage = true });

            step = "initech-leaves-memory";
            await page.GotoAsync(app.TenantRoot("initech"));
            await page.GotoAsync(app.HostRoot + "/console");
            await Expect(initech.Locator("[data-field=resident]")).ToHaveTextAsync("resident");
            // Reload the console (as its "Refresh now" link does) until initech is gone: a few seconds, bounded.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await initech.Locator("[data-field=resident]").InnerTextAsync() != "not loaded" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
                await page.ReloadAsync();
            }

            await Expect(initech.Locator("[data-field=resident]")).ToHaveTextAsync("not loaded");
            await Expect(initech.Locator("[data-field=unload-reason]")).ToContainTextAsync("idle");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("05-console-initech-idle"), FullPage = true });

            step = "suspend-initech";
            await page.GotoAsync(app.HostRoot + "/console");
            await initech.Locator("button[data-action=suspend]").ClickAsync();
            await Expect(page.Locator("[data-field=message]")).ToHaveTextAsync("Suspended initech.");
            await Expect(initech.Locator("[data-field=state]")).ToHaveTextAsync("suspended");

            step = "initech-is-suspended";
            var response = await page.GotoAsync(app.TenantRoot("initech"));
            Assert.Equal(403, response?.Status);
            Assert.Equal("application/problem+json", (await response!.HeaderValueAsync("content-type"))?.Split(';')[0]);
            await Expect(page.Locator("body")).ToContainTextAsync("https://tenantkit.dev/problems/tenant-suspended");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("06-initech-suspended"), FullPage = true });
            var byPath = await page.GotoAsync(app.HostRoot + "/t/initech/");
            Assert.Equal(403, byPath?.Status);
            await Expect(page.Locator("body")).ToContainTextAsync("The tenant is suspended.");
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("failed-at-" + step), FullPage = true });
            throw;
        }
    }
}

/// <summary>Browser tests run alone, after the others, so real-time steps do not compete for the CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    public const string Name = "Browser";
}
