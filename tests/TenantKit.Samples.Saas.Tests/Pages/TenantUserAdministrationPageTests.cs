using System.Text.RegularExpressions;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;
using static TenantKit.Samples.Saas.Tests.Infrastructure.TenantAccounts;

namespace TenantKit.Samples.Saas.Tests.Pages;

/// <summary>
/// <c>/admin/users</c>: a tenant's administrators manage that tenant's people, and nobody else's; members and visitors
/// are refused; Identity's refusals are shown, never a 500.
/// </summary>
public sealed class TenantUserAdministrationPageTests : IAsyncLifetime
{
    private static readonly string Page = At("acme", "/admin/users");
    private readonly SampleApp _app = new();
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _admin = _app.CreateBrowserLikeClient();
        await _admin.SignInAsSeededAsync("acme");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<string> UserIdAsync(HttpClient client, string url, string email)
    {
        var html = await client.HtmlAsync(url);
        var row = Regex.Match(html, $"<tr data-user=\"{Regex.Escape(email)}\">(.*?)</tr>", RegexOptions.Singleline);
        Assert.True(row.Success, $"No user {email} at {url}.");
        return Regex.Match(row.Groups[1].Value, "handler=[A-Za-z]+&amp;id=([^\"&]+)|id=([^\"&]+)&amp;handler").Groups.Values.Skip(1).First(g => g.Success).Value;
    }

    private static string? RowField(string html, string email, string field)
    {
        var row = Regex.Match(html, $"<tr data-user=\"{Regex.Escape(email)}\">(.*?)</tr>", RegexOptions.Singleline);
        return row.Success ? Field(row.Groups[1].Value, field) : null;
    }

    [Fact]
    public async Task Administrator_SeesTheTenantsPeople_Only()
    {
        var html = await _admin.HtmlAsync(Page);

        Assert.Equal("2", Field(html, "user-count"));
        Assert.Equal("administrator", RowField(html, AcmeAdmin, "role"));
        Assert.Equal("member", RowField(html, AcmeMember, "role"));
        Assert.DoesNotContain(GlobexAdmin, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Administrator_AddsAUser_WhoThenSignsInAtThisTenantOnly()
    {
        using var response = await _admin.PostFormAsync(Page, Page + "?handler=Create", ("NewUser.Email", "coyote@acme.example"), ("NewUser.Password", "Genius-1"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("3", Field(await _admin.HtmlAsync(Page), "user-count"));
        using var visitor = _app.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await visitor.SignInAtAsync("acme", "coyote@acme.example", "Genius-1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await visitor.SignInAtAsync("globex", "coyote@acme.example", "Genius-1")).StatusCode);
    }

    [Theory]
    [InlineData(AcmeMember, "Genius-1", "is already taken")]
    [InlineData("not-an-address", "Genius-1", "is invalid")]
    [InlineData("weak@acme.example", "weak", "Passwords must")]
    public async Task BadNewUser_Is400_WithIdentitysMessage_AndNoUser(string email, string password, string message)
    {
        using var response = await _admin.PostFormAsync(Page, Page + "?handler=Create", ("NewUser.Email", email), ("NewUser.Password", password));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal("2", Field(await _admin.HtmlAsync(Page), "user-count"));
    }

    [Fact]
    public async Task OverLongEmail_Is400_NotA500()
    {
        using var response = await _admin.PostFormAsync(Page, Page + "?handler=Create", ("NewUser.Email", new string('x', 300) + "@acme.example"), ("NewUser.Password", "Genius-1"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 256 characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LockedUser_CannotSignIn_AndUnlockedCanAgain()
    {
        var id = await UserIdAsync(_admin, Page, AcmeMember);

        using var locked = await _admin.PostFormAsync(Page, $"{Page}?handler=Lock&id={Uri.EscapeDataString(id)}");
        Assert.Equal(HttpStatusCode.Redirect, locked.StatusCode);
        Assert.Equal("locked", RowField(await _admin.HtmlAsync(Page), AcmeMember, "state"));
        using var member = _app.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await member.SignInAtAsync("acme", AcmeMember, AcmeMemberPassword)).StatusCode);

        using var unlocked = await _admin.PostFormAsync(Page, $"{Page}?handler=Unlock&id={Uri.EscapeDataString(id)}");
        Assert.Equal(HttpStatusCode.Redirect, unlocked.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await member.SignInAtAsync("acme", AcmeMember, AcmeMemberPassword)).StatusCode);
    }

    [Fact]
    public async Task AnotherTenantsUserId_Is404_AndThatUserIsUntouched()
    {
        using var globexAdmin = _app.CreateBrowserLikeClient();
        await globexAdmin.SignInAsSeededAsync("globex");
        var globexPage = At("globex", "/admin/users");
        using var added = await globexAdmin.PostFormAsync(globexPage, globexPage + "?handler=Create", ("NewUser.Email", "homer@globex.example"), ("NewUser.Password", "Donuts-1"), ("NewUser.Administrator", "true"));
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var globexId = await UserIdAsync(globexAdmin, globexPage, "homer@globex.example");

        foreach (var handler in new[] { "Lock", "Delete", "RemoveAdministrator" })
        {
            using var response = await _admin.PostFormAsync(Page, $"{Page}?handler={handler}&id={Uri.EscapeDataString(globexId)}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var globex = await globexAdmin.HtmlAsync(globexPage);
        Assert.Equal("administrator", RowField(globex, "homer@globex.example", "role"));
        Assert.Equal("active", RowField(globex, "homer@globex.example", "state"));
        using var homer = _app.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await homer.SignInAtAsync("globex", "homer@globex.example", "Donuts-1")).StatusCode);
    }

    [Fact]
    public async Task Member_Is403_AndVisitor_IsSentToSignIn()
    {
        using var member = _app.CreateBrowserLikeClient();
        using var signIn = await member.SignInAtAsync("acme", AcmeMember, AcmeMemberPassword);
        using var visitor = _app.CreateBrowserLikeClient();

        Assert.Equal(HttpStatusCode.Forbidden, (await member.PageAsync(Page)).Status);
        var (status, _) = await visitor.PageAsync(Page);
        Assert.Equal(HttpStatusCode.Redirect, status);
    }

    [Fact]
    public async Task DemotedAdministrator_LosesThePage_AtOnce()
    {
        using var second = _app.CreateBrowserLikeClient();
        var memberId = await UserIdAsync(_admin, Page, AcmeMember);
        using var promoted = await _admin.PostFormAsync(Page, $"{Page}?handler=MakeAdministrator&id={Uri.EscapeDataString(memberId)}");
        Assert.Equal(HttpStatusCode.Redirect, promoted.StatusCode);
        using var signIn = await second.SignInAtAsync("acme", AcmeMember, AcmeMemberPassword);
        Assert.Equal(HttpStatusCode.OK, (await second.PageAsync(Page)).Status);

        using var demoted = await _admin.PostFormAsync(Page, $"{Page}?handler=RemoveAdministrator&id={Uri.EscapeDataString(memberId)}");
        Assert.Equal(HttpStatusCode.Redirect, demoted.StatusCode);

        Assert.NotEqual(HttpStatusCode.OK, (await second.PageAsync(Page)).Status);
    }
}
