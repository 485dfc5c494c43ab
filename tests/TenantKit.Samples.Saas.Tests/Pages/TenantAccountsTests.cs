using Microsoft.AspNetCore.Mvc.Testing;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;
using static TenantKit.Samples.Saas.Tests.Infrastructure.TenantAccounts;

namespace TenantKit.Samples.Saas.Tests.Pages;

/// <summary>
/// Each tenant's own people: sign-up and sign-in at one tenant only, notes written by signed-in people only, tried as an
/// attacker (anonymous writes, acme's cookie replayed at globex and at the host, another tenant's user ids).
/// </summary>
public sealed class TenantAccountsTests : IAsyncLifetime
{
    private readonly SampleApp _app = new();
    private HttpClient _visitor = null!;

    public Task InitializeAsync()
    {
        _visitor = _app.CreateBrowserLikeClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _visitor.Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>A client that keeps no cookies: the test sends exactly the cookies it means to.</summary>
    private HttpClient Bare() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    /// <summary>Signs in at <paramref name="tenant"/> and returns the Identity cookie it set, as name=value.</summary>
    private async Task<string> CookieOfAsync(string tenant, string email, string password)
    {
        using var client = Bare();
        // The form's token and its cookie must come from the same response: read both from one page.
        using var page = await client.GetAsync(At(tenant, "/account/signin"));
        var form = await page.Content.ReadAsStringAsync();
        using var post = new HttpRequestMessage(HttpMethod.Post, At(tenant, "/account/signin"))
        {
            Content = new FormUrlEncodedContent([new("Input.Email", email), new("Input.Password", password), new("__RequestVerificationToken", Token(form))]),
        };
        post.Headers.Add("Cookie", AntiforgeryCookies(page));
        using var response = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var set = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Identity.Application", StringComparison.Ordinal));
        return set[..set.IndexOf(';', StringComparison.Ordinal)];
    }

    private static string AntiforgeryCookies(HttpResponseMessage response)
        => string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c[..c.IndexOf(';', StringComparison.Ordinal)]));

    private async Task<string> MeAsync(HttpClient client, string url, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        return Field(html, "signed-in-as") ?? $"anonymous ({(int)response.StatusCode})";
    }

    [Fact]
    public async Task SeededUsers_SignIn_AtTheirOwnTenantOnly()
    {
        using var atAcme = await _visitor.SignInAtAsync("acme", AcmeAdmin, AcmeAdminPassword);
        using var atGlobex = await _visitor.SignInAtAsync("globex", AcmeAdmin, AcmeAdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, atAcme.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, atGlobex.StatusCode);
        Assert.Contains("Wrong e-mail or password.", await atGlobex.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(AcmeAdmin, Field(await _visitor.HtmlAsync(At("acme")), "signed-in-as"));
        Assert.Null(Field(await _visitor.HtmlAsync(At("globex")), "signed-in-as"));
    }

    [Fact]
    public async Task SameEmail_SignsUpAtTwoTenants_WithTwoPasswords_EachWorkingAtItsOwnTenantOnly()
    {
        using var acme = await _visitor.SignUpAtAsync("acme", "same@example.com", "Acme-pass-1");
        using var globex = await _visitor.SignUpAtAsync("globex", "same@example.com", "Globex-pass-2");
        Assert.Equal(HttpStatusCode.Redirect, acme.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, globex.StatusCode);

        using var fresh = _app.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await fresh.SignInAtAsync("acme", "same@example.com", "Globex-pass-2")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await fresh.SignInAtAsync("globex", "same@example.com", "Acme-pass-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.SignInAtAsync("acme", "same@example.com", "Acme-pass-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.SignInAtAsync("globex", "same@example.com", "Globex-pass-2")).StatusCode);
    }

    [Theory]
    [InlineData("wile@acme.example", "Another-pass-1", "is already taken")]
    [InlineData("not-an-address", "Another-pass-1", "is invalid")]
    [InlineData("weak@example.com", "short", "Passwords must be at least 6 characters.")]
    public async Task SignUp_RefusedByIdentity_Is400_WithIdentitysMessage_AndNoAccount(string email, string password, string message)
    {
        using var response = await _visitor.SignUpAtAsync("acme", email, password);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Null(Field(await _visitor.HtmlAsync(At("acme")), "signed-in-as"));
    }

    [Fact]
    public async Task SignUp_WithAnOverLongEmail_Is400_NotA500()
    {
        using var response = await _visitor.SignUpAtAsync("acme", new string('a', 300) + "@example.com", "Long-pass-1");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 256 characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnonymousVisitor_CannotWriteNotes_IsSentToSignIn_AndNothingIsSaved()
    {
        using var response = await _visitor.PostFormAsync(At("acme"), At("acme"), ("Input.Title", "Graffiti"), ("Input.Text", string.Empty));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://acme.localhost/account/signin", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        var acme = await _visitor.HtmlAsync(At("acme"));
        Assert.DoesNotContain("Graffiti", acme, StringComparison.Ordinal);
        Assert.Equal("3", Field(acme, "note-count"));
        var (status, _) = await _visitor.PageAsync(At("acme", "/notes/1/edit"));
        Assert.Equal(HttpStatusCode.Redirect, status);
    }

    [Fact]
    public async Task AcmesCookie_ReplayedAtGlobex_UnderEitherName_AndAtTheHost_IsNotASignIn()
    {
        var cookie = await CookieOfAsync("acme", AcmeAdmin, AcmeAdminPassword);
        var value = cookie[(cookie.IndexOf('=', StringComparison.Ordinal) + 1)..];
        var globex = await _app.TenantAsync("globex");
        using var client = Bare();

        Assert.Equal(AcmeAdmin, await MeAsync(client, At("acme"), cookie));
        Assert.StartsWith("anonymous", await MeAsync(client, At("globex"), cookie), StringComparison.Ordinal);
        Assert.StartsWith("anonymous", await MeAsync(client, At("globex"), $".AspNetCore.Identity.Application.{globex.Id}={value}"), StringComparison.Ordinal);
        Assert.StartsWith("anonymous", await MeAsync(client, At("globex"), $".AspNetCore.Identity.Application={value}"), StringComparison.Ordinal);

        // Not at globex's user administration, and not at the host's console under the host's cookie name.
        using var admin = new HttpRequestMessage(HttpMethod.Get, At("globex", "/admin/users"));
        admin.Headers.Add("Cookie", $".AspNetCore.Identity.Application.{globex.Id}={value}");
        using var adminResponse = await client.SendAsync(admin);
        Assert.Equal(HttpStatusCode.Redirect, adminResponse.StatusCode);
        Assert.Contains("/account/signin", adminResponse.Headers.Location?.ToString(), StringComparison.Ordinal);
        using var console = new HttpRequestMessage(HttpMethod.Get, HostConsole.Url);
        console.Headers.Add("Cookie", $"tenantkit-sample-host={value}; {cookie}");
        using var consoleResponse = await client.SendAsync(console);
        Assert.Equal(HttpStatusCode.Redirect, consoleResponse.StatusCode);
        Assert.Contains("/console/signin", consoleResponse.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostsConsoleCookie_AtATenant_IsNotASignIn()
    {
        using var host = _app.CreateBrowserLikeClient();
        await host.SignInAsync();

        Assert.Null(Field(await host.HtmlAsync(At("acme")), "signed-in-as"));
        using var write = await host.PostFormAsync(At("acme"), At("acme"), ("Input.Title", "From the host"), ("Input.Text", string.Empty));
        Assert.Equal(HttpStatusCode.Redirect, write.StatusCode);
        Assert.Contains("/account/signin", write.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        await _visitor.SignInAsSeededAsync("acme");

        using var response = await _visitor.PostFormAsync(At("acme"), At("acme", "/account/signout"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Null(Field(await _visitor.HtmlAsync(At("acme")), "signed-in-as"));
    }
}
