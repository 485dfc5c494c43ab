using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Console;

/// <summary>The host console and each tenant's people: the user count per tenant, and a new tenant with its first administrator.</summary>
public sealed class HostConsoleUsersTests : IAsyncLifetime
{
    private readonly SampleApp _app = new();
    private HttpClient _host = null!;

    public async Task InitializeAsync()
    {
        _host = _app.CreateBrowserLikeClient();
        await _host.SignInAsync();
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Console_ShowsEachTenantsUserCount_AndASignUpCountsAtItsTenantOnly()
    {
        var before = await _host.HtmlAsync(HostConsole.Url);
        Assert.Equal("2", Field(before, "user-count", "acme"));
        Assert.Equal("1", Field(before, "user-count", "globex"));

        using var visitor = _app.CreateBrowserLikeClient();
        using var signUp = await visitor.SignUpAtAsync("globex", "new@example.com", "Fresh-pass-1");
        Assert.Equal(HttpStatusCode.Redirect, signUp.StatusCode);

        var after = await _host.HtmlAsync(HostConsole.Url);
        Assert.Equal("2", Field(after, "user-count", "acme"));
        Assert.Equal("2", Field(after, "user-count", "globex"));
    }

    [Fact]
    public async Task CreateTenant_WithAFirstAdministrator_WhoAdministersItsUsers()
    {
        using var response = await _host.CreateTenantAsync("initech", "Initech", administratorEmail: "bill@initech.example", administratorPassword: "Tps-report-1");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("1", Field(await _host.HtmlAsync(HostConsole.Url), "user-count", "initech"));
        using var bill = _app.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await bill.SignInAtAsync("initech", "bill@initech.example", "Tps-report-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bill.PageAsync(At("initech", "/admin/users"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await bill.SignInAtAsync("acme", "bill@initech.example", "Tps-report-1")).StatusCode);
    }

    [Theory]
    [InlineData("bill@initech.example", "weak", "Create.AdministratorPassword")]
    [InlineData("not-an-address", "Tps-report-1", "Create.AdministratorEmail")]
    public async Task CreateTenant_WithAnAdministratorIdentityRefuses_Is400_AndNoTenantIsLeftBehind(string email, string password, string field)
    {
        using var response = await _host.CreateTenantAsync("initech", "Initech", administratorEmail: email, administratorPassword: password);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Matches($"class=\"[^\"]*field-validation-error[^\"]*\" data-valmsg-for=\"{System.Text.RegularExpressions.Regex.Escape(field)}\"", html);
        Assert.Null(await _app.FindTenantAsync("initech"));
    }
}
