using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace TenantKit.Samples.Saas.Tests.Browser;

/// <summary>
/// Issue 16 in a real browser: the same e-mail signs up at acme and at globex with different passwords; each password
/// works at its own tenant only; acme's authentication cookie, replayed at globex (under acme's cookie name and under
/// globex's), signs nobody in there, while it still works at acme.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TenantSignInScenarioTests(BrowserFixture chromium) : IClassFixture<BrowserFixture>
{
    private const string Email = "pat@example.com";
    private const string AcmePassword = "Acme-pass-1";
    private const string GlobexPassword = "Globex-pass-2";
    private const string IdentityCookie = ".AspNetCore.Identity.Application";

    private static async Task SignUpAsync(IPage page, string root, string password)
    {
        await page.GotoAsync(root);
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign up" }).First.ClickAsync();
        await page.Locator("#Input_Email").FillAsync(Email);
        await page.Locator("#Input_Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
        await Expect(page.Locator("[data-field=signed-in-as]")).ToHaveTextAsync(Email);
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.Locator("[data-field=signed-in-as]")).ToHaveCountAsync(0);
    }

    private static async Task<bool> SignInAsync(IPage page, string root, string password)
    {
        await page.GotoAsync(root + "account/signin");
        await page.Locator("#Input_Email").FillAsync(Email);
        await page.Locator("#Input_Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Either the home page with the user's name, or the form again with Identity's refusal (neither is on the form before).
        await Expect(page.Locator("[data-field=signed-in-as], .validation-summary-errors").First).ToBeVisibleAsync();
        if (await page.Locator("[data-field=signed-in-as]").CountAsync() == 1)
        {
            await Expect(page.Locator("[data-field=signed-in-as]")).ToHaveTextAsync(Email);
            return true;
        }

        await Expect(page.Locator("[data-field=errors]")).ToContainTextAsync("Wrong e-mail or password.");
        return false;
    }

    [Fact]
    public async Task SameEmail_AtAcmeAndGlobex_TwoPasswords_EachOnlyAtItsTenant_AndAcmesCookieIsRefusedAtGlobex()
    {
        await using var app = new KestrelSampleApp();
        var acme = app.TenantRoot("acme");
        var globex = app.TenantRoot("globex");
        var globexId = (await app.TenantAsync("globex")).Id;
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        SetDefaultExpectTimeout(15_000);
        var step = "start";
        try
        {
            step = "sign-up-at-acme";
            await SignUpAsync(page, acme, AcmePassword);
            var acmeCookie = (await context.CookiesAsync([acme])).Single(c => c.Name.StartsWith(IdentityCookie, StringComparison.Ordinal));
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("11-acme-signed-up"), FullPage = true });

            step = "globex-does-not-know-the-session";
            await page.GotoAsync(globex);
            await Expect(page.Locator("[data-field=signed-in-as]")).ToHaveCountAsync(0);

            step = "sign-up-at-globex";
            await SignUpAsync(page, globex, GlobexPassword);
            await SignOutAsync(page);
            await page.GotoAsync(acme);
            await SignOutAsync(page);

            step = "each-password-at-its-own-tenant-only";
            Assert.False(await SignInAsync(page, acme, GlobexPassword), "globex's password signed in at acme");
            Assert.False(await SignInAsync(page, globex, AcmePassword), "acme's password signed in at globex");
            Assert.True(await SignInAsync(page, acme, AcmePassword), "acme's password failed at acme");
            Assert.True(await SignInAsync(page, globex, GlobexPassword), "globex's password failed at globex");
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("12-signed-in-at-both"), FullPage = true });

            step = "replay-acmes-cookie-at-globex";
            await using var attacker = await chromium.Browser.NewContextAsync();
            var stolen = await attacker.NewPageAsync();
            await attacker.AddCookiesAsync(
            [
                new Microsoft.Playwright.Cookie { Name = acmeCookie.Name, Value = acmeCookie.Value, Url = globex },
                new Microsoft.Playwright.Cookie { Name = $"{IdentityCookie}.{globexId}", Value = acmeCookie.Value, Url = globex },
                new Microsoft.Playwright.Cookie { Name = IdentityCookie, Value = acmeCookie.Value, Url = globex },
            ]);
            await stolen.GotoAsync(globex);
            await Expect(stolen.Locator("h1")).ToHaveTextAsync("Globex Corporation");
            await Expect(stolen.Locator("[data-field=signed-in-as]")).ToHaveCountAsync(0);
            await Expect(stolen.Locator("[data-field=sign-in-to-write]")).ToBeVisibleAsync();
            await stolen.GotoAsync(globex + "admin/users");
            await Expect(stolen).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/signin"));
            await stolen.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("13-acme-cookie-at-globex"), FullPage = true });

            step = "the-same-cookie-is-valid-at-acme";
            await attacker.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = acmeCookie.Name, Value = acmeCookie.Value, Url = acme }]);
            await stolen.GotoAsync(acme);
            await Expect(stolen.Locator("[data-field=signed-in-as]")).ToHaveTextAsync(Email);
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("failed-at-" + step), FullPage = true });
            throw;
        }
    }
}
