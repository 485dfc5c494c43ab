using TenantKit.AspNetCore;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Console;

/// <summary>The host console: sign-in, the tenant list with runtime status, and every action.</summary>
public sealed class HostConsoleTests : IAsyncLifetime
{
    private readonly SampleApp _app = new();
    private HttpClient _host = null!;
    private HttpClient _visitor = null!;

    public async Task InitializeAsync()
    {
        _host = _app.CreateBrowserLikeClient();
        _visitor = _app.CreateBrowserLikeClient();
        await _host.SignInAsync();
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        _visitor.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Console_WithoutSignIn_LeadsToTheSignInPage()
    {
        using var response = await _visitor.GetAsync(HostConsole.Url);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost/console/signin?ReturnUrl=%2Fconsole", response.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_IsRefused()
    {
        using var response = await _visitor.PostFormAsync(Host("/console/signin"), Host("/console/signin"), ("Input.UserName", HostConsole.UserName), ("Input.Password", "guess"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Wrong user name or password.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var console = await _visitor.GetAsync(HostConsole.Url);
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        using var response = await _host.PostFormAsync(HostConsole.Url, Host("/console/signout"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        using var console = await _host.GetAsync(HostConsole.Url);
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
    }

    [Fact]
    public async Task Console_ListsEveryTenant_WithItsStateAndRuntimeStatus()
    {
        var html = await _host.HtmlAsync(HostConsole.Url);

        foreach (var tenant in new[] { "acme", "globex" })
        {
            Assert.Equal("active", Field(html, "state", tenant));
            Assert.Equal("resident", Field(html, "resident", tenant)); // the seed ran as each tenant
            Assert.Equal("1", Field(html, "generation", tenant));
            Assert.Equal("0", Field(html, "leases", tenant));
            Assert.EndsWith("ago", Field(html, "last-access", tenant), StringComparison.Ordinal);
            Assert.EndsWith(" s", Field(html, "idle-left", tenant), StringComparison.Ordinal);
        }

        Assert.Equal("2", Field(html, "resident-count"));
    }

    [Fact]
    public async Task Console_InsideATenant_Is403HostRequired_EvenForTheSignedInHost()
    {
        using var response = await _host.GetAsync(Host("/t/acme/console"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(TenantProblemTypes.HostRequired, (await response.ProblemAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task CreateTenant_IsServedAtOnce_WithNoNotes()
    {
        using var response = await _host.CreateTenantAsync("initech", "Initech");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var console = await _host.HtmlAsync(HostConsole.Url);
        Assert.Equal("Created initech: http://initech.localhost/", Field(console, "message"));
        Assert.Equal("not loaded", Field(console, "resident", "initech"));
        var home = await _visitor.HtmlAsync(At("initech"));
        Assert.Contains("<h1>Initech</h1>", home, StringComparison.Ordinal);
        Assert.Equal("0", Field(home, "note-count"));
        Assert.NotNull(Field(home, "no-notes"));
        Assert.Contains("--brand: #2b8a3e", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateTenant_WithADatabaseOfItsOwn_KeepsItsNotesInItsOwnFile()
    {
        using var response = await _host.CreateTenantAsync("hooli", "Hooli", ownDatabase: true, administratorEmail: "gavin@hooli.example", administratorPassword: "Nucleus-1");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        using var signIn = await _visitor.SignInAtAsync("hooli", "gavin@hooli.example", "Nucleus-1");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        using var note = await _visitor.PostFormAsync(At("hooli"), At("hooli"), ("Input.Title", "Middle-out"), ("Input.Text", string.Empty));
        Assert.Equal(HttpStatusCode.Redirect, note.StatusCode);

        var hooli = await _app.TenantAsync("hooli");
        var file = Path.Combine(_app.DataPath, $"tenant-{hooli.Id}.db");
        Assert.Equal("its own database", Field(await _visitor.HtmlAsync(At("hooli")), "storage"));
        Assert.Equal(1, await Sqlite.CountAsync(file, $"SELECT COUNT(*) FROM Notes WHERE TenantId = '{hooli.Id}'"));
        Assert.Equal(0, await Sqlite.CountAsync(Path.Combine(_app.DataPath, "saas.db"), $"SELECT COUNT(*) FROM Notes WHERE TenantId = '{hooli.Id}'"));
        Assert.Equal(1, await Sqlite.CountAsync(file, $"SELECT COUNT(*) FROM AspNetUsers WHERE TenantId = '{hooli.Id}'"));
        Assert.Equal(0, await Sqlite.CountAsync(Path.Combine(_app.DataPath, "saas.db"), $"SELECT COUNT(*) FROM AspNetUsers WHERE TenantId = '{hooli.Id}'"));
    }

    [Theory]
    [InlineData("Not Valid!")]
    [InlineData("-initech")]
    [InlineData("xn--")]
    public async Task CreateTenant_WithAnInvalidIdentifier_SaysWhy_AndCreatesNothing(string identifier)
    {
        using var response = await _host.CreateTenantAsync(identifier);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Matches("<span class=\"error field-validation-error\" data-valmsg-for=\"Create.Identifier\"[^>]*>[^<]+</span>", html);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(html, "<tr data-tenant="));
    }

    [Fact]
    public async Task CreateTenant_ThatExists_SaysSo()
    {
        using var response = await _host.CreateTenantAsync("acme");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("A tenant with this identifier exists already.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suspend_MakesTheTenantsPagesTheSuspendedError_AndResumeServesThemAgain()
    {
        var console = await _host.ActAsync("Suspend", await _app.TenantAsync("acme"));

        Assert.Equal("Suspended acme.", Field(console, "message"));
        Assert.Equal("suspended", Field(console, "state", "acme"));
        using (var suspended = await _visitor.GetAsync(At("acme")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, suspended.StatusCode);
            Assert.Equal(TenantProblemTypes.TenantSuspended, (await suspended.ProblemAsync()).GetProperty("type").GetString());
        }

        console = await _host.ActAsync("Resume", await _app.TenantAsync("acme"));

        Assert.Equal("active", Field(console, "state", "acme"));
        Assert.Contains("<h1>Acme Corporation</h1>", await _visitor.HtmlAsync(At("acme")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Action_WithAStaleVersion_IsReported_AndNotApplied()
    {
        var seen = await _app.TenantAsync("acme");
        await _host.ActAsync("Suspend", seen);
        await _host.ActAsync("Resume", await _app.TenantAsync("acme"));

        var console = await _host.ActAsync("Suspend", seen);

        Assert.Equal("The tenant changed since this page was shown. Look at it again and retry.", Field(console, "error"));
        Assert.Equal("active", Field(console, "state", "acme"));
    }

    [Fact]
    public async Task Unload_TakesTheTenantOutOfMemory()
    {
        var console = await _host.ActAsync("Unload", await _app.TenantAsync("globex"));

        Assert.Equal("Unloaded globex.", Field(console, "message"));
        Assert.Equal("not loaded", Field(console, "resident", "globex"));
        Assert.StartsWith("requested, ", Field(console, "unload-reason", "globex"), StringComparison.Ordinal);
        Assert.Equal("resident", Field(console, "resident", "acme"));
    }

    [Fact]
    public async Task Load_BringsAnUnloadedTenantBack()
    {
        var globex = await _app.TenantAsync("globex");
        await _host.ActAsync("Unload", globex);

        var console = await _host.ActAsync("Load", globex);

        Assert.Equal("resident", Field(console, "resident", "globex"));
        Assert.Equal("2", Field(console, "generation", "globex"));
    }

    [Fact]
    public async Task Reload_ServesANewGeneration()
    {
        await _host.ActAsync("Reload", await _app.TenantAsync("acme"));
        await _visitor.HtmlAsync(At("acme"));

        var console = await _host.HtmlAsync(HostConsole.Url);

        Assert.Equal("resident", Field(console, "resident", "acme"));
        Assert.Equal("2", Field(console, "generation", "acme"));
    }

    [Fact]
    public async Task Delete_RemovesTheTenant_AndItsNotesFromTheSharedTables()
    {
        var acme = await _app.TenantAsync("acme");

        var console = await _host.ActAsync("Delete", acme);

        Assert.Equal("Deleted acme, its 3 note(s) and its 2 user(s).", Field(console, "message"));
        Assert.Null(Field(console, "state", "acme"));
        using var gone = await _visitor.GetAsync(At("acme"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(0, await Sqlite.CountAsync(Path.Combine(_app.DataPath, "saas.db"), $"SELECT COUNT(*) FROM Notes WHERE TenantId = '{acme.Id}'"));
        Assert.Equal("2", Field(await _visitor.HtmlAsync(At("globex")), "note-count"));
    }
}
