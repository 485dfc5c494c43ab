using Microsoft.Extensions.DependencyInjection;
using TenantKit.AspNetCore;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Pages;

/// <summary>What each tenant gets of its own from its properties: branding (per-tenant options) and a rate-limit plan.</summary>
public sealed class BrandingAndPlansTests
{
    [Fact]
    public async Task Branding_ComesFromEachTenantsProperties()
    {
        await using var app = new SampleApp();
        using var client = app.CreateBrowserLikeClient();

        var acme = await client.HtmlAsync(At("acme"));
        var globex = await client.HtmlAsync(Host("/t/globex/"));

        Assert.Contains("style=\"--brand: #d9480f\"", acme, StringComparison.Ordinal);
        Assert.Contains("Quality anvils since 1949", acme, StringComparison.Ordinal);
        Assert.Contains("style=\"--brand: #0b7285\"", globex, StringComparison.Ordinal);
        Assert.Contains("Tomorrow&#x27;s technology, today", globex, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Branding_WithAColourThatIsNotAColour_FallsBackToTheDefault_AndTaglinesAreText()
    {
        await using var app = new SampleApp();
        using (app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            await app.Services.GetRequiredService<ITenantAdministration>().CreateAsync(new TenantDraft("mallory")
            {
                Properties = new Dictionary<string, string>
                {
                    ["Branding:Color"] = "red;background:url(https://evil.example/x)",
                    ["Branding:Tagline"] = "<script>alert(1)</script>",
                },
            });
        }

        using var client = app.CreateBrowserLikeClient();
        var html = await client.HtmlAsync(At("mallory"));

        Assert.Contains("style=\"--brand: #4f46e5\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)</script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_NamesTheTenantsPlanAndItsLimit()
    {
        await using var app = new SampleApp();
        using var client = app.CreateBrowserLikeClient();

        Assert.Equal("free · 60 requests per minute", Field(await client.HtmlAsync(At("acme")), "plan"));
        Assert.Equal("pro · 600 requests per minute", Field(await client.HtmlAsync(At("globex")), "plan"));
    }

    [Fact]
    public async Task RateLimit_FollowsTheTenantsPlan_AndOneTenantsFloodDoesNotThrottleAnother()
    {
        await using var app = new SampleApp(new Dictionary<string, string?>
        {
            ["Sample:Plans:free:PermitLimit"] = "3",
            ["Sample:Plans:free:Window"] = "01:00:00",
        });
        using var client = app.CreateBrowserLikeClient();
        for (var i = 0; i < 3; i++)
        {
            await client.HtmlAsync(At("acme"));
        }

        using var limited = await client.GetAsync(At("acme"));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TenantProblemTypes.RateLimited, (await limited.ProblemAsync()).GetProperty("type").GetString());
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Contains("<h1>Globex Corporation</h1>", await client.HtmlAsync(At("globex")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.PageAsync(HostConsole.Url.Replace("/console", "/console/signin", StringComparison.Ordinal))).Status);
    }
}
