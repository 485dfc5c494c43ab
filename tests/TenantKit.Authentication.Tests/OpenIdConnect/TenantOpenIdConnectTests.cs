using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace TenantKit.Authentication.Tests.OpenIdConnect;

/// <summary>OpenID Connect sign-in per tenant: the provider, the client, the state and the cookies are the tenant's.</summary>
public sealed class TenantOpenIdConnectTests : IAsyncLifetime
{
    private AuthApp _app = null!;

    public async Task InitializeAsync() => _app = await AuthApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("acme", "acme-web")]
    [InlineData("globex", "globex-web")]
    public async Task Challenge_GoesToTheTenantsAuthority_WithItsClient(string tenant, string clientId)
    {
        using var response = await _app.GetAsync($"{tenant}.example.com", "/signin");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal($"https://idp.test/{tenant}/authorize", location.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(clientId, query["client_id"].ToString());
        Assert.Equal($"https://{tenant}.example.com/signin-oidc", query["redirect_uri"].ToString());
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(cookies, c => c.StartsWith($".AspNetCore.Correlation.t-{tenant}.", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith($".AspNetCore.OpenIdConnect.Nonce.t-{tenant}.", StringComparison.Ordinal));
        Assert.Equal(0, _app.Idp.Requests("https://idp.test/host"));
    }

    [Theory]
    [InlineData("initech.example.com")]
    [InlineData("example.com")]
    public async Task Challenge_WithoutSettings_IsRefused_NeverSentToAnotherProvider(string host)
    {
        using var response = await _app.GetAsync(host, "/signin");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("https://tenantkit.dev/problems/tenant-authentication-not-configured", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(0, _app.Idp.Requests("https://idp.test/host"));
    }

    [Fact]
    public async Task SignInStartedAtAcme_CompletesAtAcme_AndCannotBeCompletedAtGlobex()
    {
        var (state, nonce, cookies) = await ChallengeAsync("acme");
        var idToken = _app.Idp["https://idp.test/acme"].Mint("acme-web", _app.Time.GetUtcNow(), claims: new Dictionary<string, object> { ["nonce"] = nonce });

        // Replayed at globex with acme's cookies renamed to globex's: the state is acme's, so globex refuses it.
        using var atGlobex = await CallbackAsync("globex", state, idToken, cookies.Select(c => c.Replace(".t-acme.", ".t-globex.", StringComparison.Ordinal)));
        using var atInitech = await CallbackAsync("initech", state, idToken, cookies);
        using var atAcme = await CallbackAsync("acme", state, idToken, cookies);

        Assert.Equal(HttpStatusCode.Unauthorized, atGlobex.StatusCode);
        Assert.DoesNotContain(SetCookies(atGlobex), c => c.StartsWith(".AspNetCore.Cookies", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, atInitech.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, atAcme.StatusCode);
        Assert.Equal("/done", atAcme.Headers.Location!.OriginalString);
        Assert.Contains(SetCookies(atAcme), c => c.StartsWith(".AspNetCore.Cookies.t-acme=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IdTokenOfAnotherTenantsProvider_FailsTheCallback()
    {
        var (state, nonce, cookies) = await ChallengeAsync("acme");
        var forged = _app.Idp["https://idp.test/globex"].Mint("acme-web", _app.Time.GetUtcNow(), issuer: "https://idp.test/acme", claims: new Dictionary<string, object> { ["nonce"] = nonce });

        using var response = await CallbackAsync("acme", state, forged, cookies);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(SetCookies(response), c => c.StartsWith(".AspNetCore.Cookies", StringComparison.Ordinal));
    }

    private async Task<(string State, string Nonce, List<string> Cookies)> ChallengeAsync(string tenant)
    {
        using var response = await _app.GetAsync($"{tenant}.example.com", "/signin");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
        var cookies = SetCookies(response).Select(c => c.Split(';')[0]).ToList();
        return (query["state"].ToString(), query["nonce"].ToString(), cookies);
    }

    private async Task<HttpResponseMessage> CallbackAsync(string tenant, string state, string idToken, IEnumerable<string> cookies)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"https://{tenant}.example.com/signin-oidc")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["state"] = state, ["id_token"] = idToken }),
        };
        request.Headers.Add("Cookie", string.Join("; ", cookies));
        return await _app.Client.SendAsync(request);
    }

    private static List<string> SetCookies(HttpResponseMessage response)
        => response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];
}
