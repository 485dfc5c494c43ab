using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TenantKit.AspNetCore.Tests.Authentication;

public class AuthenticationIsolationTests
{
    [Fact]
    public async Task CookieIssuedToOneTenant_IsRejectedAtAnother_UnderEitherName()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        var cookie = await LoginAsync(client, "acme.example.com");

        Assert.Equal(".AspNetCore.Cookies.t-acme", cookie.Name);
        Assert.Equal("alice", await MeAsync(client, "acme.example.com", cookie));
        Assert.Equal("anonymous", await MeAsync(client, "globex.example.com", cookie));
        Assert.Equal("anonymous", await MeAsync(client, "globex.example.com", cookie with { Name = ".AspNetCore.Cookies.t-globex" }));
    }

    [Fact]
    public async Task AuthenticationPlacedExplicitlyAfterUseTenantKit_RunsInsideTheTenant()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").IsolateAuthentication(),
            app =>
            {
                app.UseTenantKit();
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/login", (HttpContext context) => context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "bob")], "test"))));
                app.MapGet("/me", (HttpContext context) => context.User.Identity?.Name ?? "anonymous").RequireAuthorization();
            },
            s =>
            {
                s.AddAuthorization();
                s.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
            });
        var client = app.GetTestClient();

        var cookie = await LoginAsync(client, "globex.example.com");

        Assert.Equal(".AspNetCore.Cookies.t-globex", cookie.Name);
        Assert.Equal("bob", await MeAsync(client, "globex.example.com", cookie));
    }

    [Fact]
    public async Task CookieIssuedToOneTenant_IsRejectedAtAnother_EvenWithSharedCookieNames()
    {
        await using var app = await StartAsync(o => o.PerTenantCookieNames = false);
        var client = app.GetTestClient();

        var cookie = await LoginAsync(client, "acme.example.com");

        Assert.Equal(".AspNetCore.Cookies", cookie.Name);
        Assert.Equal("alice", await MeAsync(client, "acme.example.com", cookie));
        Assert.Equal("anonymous", await MeAsync(client, "globex.example.com", cookie));
    }

    [Fact]
    public void TicketOfAnotherTenant_IsRejectedEvenWhenItDecrypts()
    {
        var shared = new TicketDataFormat(new EphemeralDataProtectionProvider().CreateProtector("shared"));
        var acme = new TenantKit.AspNetCore.Authentication.TenantTicketDataFormat(shared, "t-acme");
        var globex = new TenantKit.AspNetCore.Authentication.TenantTicketDataFormat(shared, "t-globex");
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "mallory")], "test")), CookieAuthenticationDefaults.AuthenticationScheme);

        var issuedAtGlobex = globex.Protect(ticket);
        var unstamped = shared.Protect(new AuthenticationTicket(ticket.Principal, ticket.AuthenticationScheme));

        Assert.NotNull(shared.Unprotect(issuedAtGlobex));
        Assert.NotNull(globex.Unprotect(issuedAtGlobex));
        Assert.Null(acme.Unprotect(issuedAtGlobex));
        Assert.Null(acme.Unprotect(unstamped));
    }

    [Fact]
    public async Task CookieSchemes_UseTheTenantBoundTicketFormat()
    {
        await using var app = await StartAsync();

        var options = await OptionsOfAsync(app, "acme");

        var format = Assert.IsType<TenantKit.AspNetCore.Authentication.TenantTicketDataFormat>(options.TicketDataFormat);
        Assert.Equal("t-acme", format.TenantId);
        Assert.Equal(".AspNetCore.Cookies.t-acme", options.Cookie.Name);
    }

    [Fact]
    public async Task DataProtection_IsPerTenant_OverSharedKeys()
    {
        await using var app = await StartAsync();
        var acme = await ServicesOfAsync(app, "acme");
        var globex = await ServicesOfAsync(app, "globex");

        var payload = acme.GetRequiredService<IDataProtectionProvider>().CreateProtector("orders").Protect("secret");

        Assert.Equal("secret", acme.GetRequiredService<IDataProtectionProvider>().CreateProtector("orders").Unprotect(payload));
        Assert.Throws<CryptographicException>(() => globex.GetRequiredService<IDataProtectionProvider>().CreateProtector("orders").Unprotect(payload));
        Assert.Throws<CryptographicException>(() => app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("orders").Unprotect(payload));
    }

    [Fact]
    public async Task SchemeOptions_ArePerTenant()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com")
                .ConfigureTenantAuthentication<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, (tenant, o) => o.LoginPath = $"/{tenant.Identifier}/sign-in"),
            Pipeline,
            s =>
            {
                s.AddAntiforgery();
                s.AddAuthorization();
                s.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
            });
        var client = app.GetTestClient();

        using var acme = await client.SendAsync(TestApp.Get("acme.example.com", "/private"));
        using var globex = await client.SendAsync(TestApp.Get("globex.example.com", "/private"));

        Assert.Equal(HttpStatusCode.Redirect, acme.StatusCode);
        Assert.StartsWith("http://acme.example.com/acme/sign-in", acme.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("http://globex.example.com/globex/sign-in", globex.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemeAddedAtRunTimeByOneTenant_IsNotSeenByAnother()
    {
        await using var app = await StartAsync();
        var acme = await ServicesOfAsync(app, "acme");
        var globex = await ServicesOfAsync(app, "globex");

        acme.GetRequiredService<IAuthenticationSchemeProvider>().AddScheme(new AuthenticationScheme("partner", null, typeof(HeaderAuthenticationHandler)));

        Assert.NotNull(await acme.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync("partner"));
        Assert.Null(await globex.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync("partner"));
        Assert.Null(await app.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync("partner"));
    }

    [Fact]
    public async Task AntiforgeryTokenOfOneTenant_FailsAtAnother()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        using var form = await client.SendAsync(TestApp.Get("acme.example.com", "/form"));
        var token = await form.Content.ReadAsStringAsync();
        var cookie = ParseCookie(form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)));

        Assert.Equal("valid", await SubmitAsync(client, "acme.example.com", cookie, token));
        Assert.Equal("invalid", await SubmitAsync(client, "globex.example.com", cookie, token));
    }

    private static Task<WebApplication> StartAsync(Action<TenantAuthenticationOptions>? options = null)
        => TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").IsolateAuthentication(options),
            Pipeline,
            s =>
            {
                s.AddAntiforgery();
                s.AddAuthorization();
                s.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
            });

    private static void Pipeline(WebApplication app)
    {
        app.UseTenantKit();
        app.MapGet("/login", async (HttpContext context) =>
        {
            await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "alice")], CookieAuthenticationDefaults.AuthenticationScheme)));
            return "signed in";
        });
        app.MapGet("/me", (HttpContext context) => context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : "anonymous");
        app.MapGet("/private", () => "secret").RequireAuthorization();
        app.MapGet("/form", (HttpContext context, IAntiforgery antiforgery) => antiforgery.GetAndStoreTokens(context).RequestToken);
        app.MapPost("/submit", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            try
            {
                await antiforgery.ValidateRequestAsync(context);
                return "valid";
            }
            catch (AntiforgeryValidationException)
            {
                return "invalid";
            }
        }).DisableAntiforgery();
    }

    private static async Task<Cookie> LoginAsync(HttpClient client, string host)
    {
        using var response = await client.SendAsync(TestApp.Get(host, "/login"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ParseCookie(response.Headers.GetValues("Set-Cookie").Single());
    }

    private static async Task<string> MeAsync(HttpClient client, string host, Cookie cookie)
    {
        using var request = TestApp.Get(host, "/me");
        request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> SubmitAsync(HttpClient client, string host, Cookie cookie, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{host}/submit");
        request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
        request.Headers.Add("RequestVerificationToken", token);
        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static Cookie ParseCookie(string setCookie)
    {
        var pair = setCookie.Split(';')[0].Split('=', 2);
        return new Cookie(pair[0], pair[1]);
    }

    private static async Task<IServiceProvider> ServicesOfAsync(WebApplication app, string identifier)
    {
        var tenant = (await app.Services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync(identifier))!;
        var lease = await app.Runtime().AcquireAsync(tenant);
        lease.Dispose();
        return lease.Services;
    }

    private static async Task<CookieAuthenticationOptions> OptionsOfAsync(WebApplication app, string identifier)
        => (await ServicesOfAsync(app, identifier)).GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);

    private sealed record Cookie(string Name, string Value);
}
