using TenantKit.AspNetCore;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Pages;

/// <summary>How requests reach a tenant: by host name, by path, or not at all.</summary>
public sealed class TenantResolutionTests : IAsyncLifetime
{
    private readonly SampleApp _app = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateBrowserLikeClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Home_ByHostName_NamesTheTenant()
    {
        var html = await _client.HtmlAsync(At("acme"));

        Assert.Contains("<h1>Acme Corporation</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<code>acme</code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Home_ByPath_NamesTheTenant()
    {
        var html = await _client.HtmlAsync(Host("/t/globex/"));

        Assert.Contains("<h1>Globex Corporation</h1>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Home_ByPathWithoutTheTrailingSlash_NamesTheTenant()
    {
        var html = await _client.HtmlAsync(Host("/t/globex"));

        Assert.Contains("<h1>Globex Corporation</h1>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Links_UnderThePathFallback_KeepThePath()
    {
        var html = await _client.HtmlAsync(Host("/t/acme/"));

        Assert.Matches("href=\"/t/acme/notes/\\d+/edit\"", html);
        Assert.Matches("action=\"/t/acme/notes/\\d+/edit\\?handler=Delete\"", html);
    }

    [Theory]
    [InlineData("http://evil.com/console/login")]
    [InlineData("http://acme.localhost.evil.com/")]
    [InlineData("http://127.0.0.2/")]
    public async Task ForeignHost_Is400ProblemJson_NeverARedirectToIt(string url)
    {
        using var response = await _client.GetAsync(url);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var problem = await response.ProblemAsync();
        Assert.Equal(TenantProblemTypes.HostNotAllowed, problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnknownTenant_ByHostName_Is404ProblemJson()
    {
        using var response = await _client.GetAsync(At("nobody"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantNotFound, (await response.ProblemAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnknownTenant_ByPath_Is404ProblemJson()
    {
        using var response = await _client.GetAsync(Host("/t/nobody/"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantNotFound, (await response.ProblemAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task MalformedTenant_Is400ProblemJson_NotAnotherTenant()
    {
        using var response = await _client.GetAsync(Host("/t/ac_me/"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(TenantProblemTypes.InvalidIdentifier, (await response.ProblemAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task BareHost_Home_LeadsToTheHostConsole()
    {
        using var response = await _client.GetAsync(Host("/"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task NotePage_OnTheBareHost_Is404TenantRequired()
    {
        using var response = await _client.GetAsync(Host("/notes/1/edit"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantRequired, (await response.ProblemAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Stylesheet_IsServedToEveryone()
    {
        using var tenant = await _client.GetAsync(At("acme", "/site.css"));
        using var host = await _client.GetAsync(Host("/site.css"));

        Assert.Equal(HttpStatusCode.OK, tenant.StatusCode);
        Assert.Equal(HttpStatusCode.OK, host.StatusCode);
        Assert.Equal("text/css", host.Content.Headers.ContentType?.MediaType);
    }
}
