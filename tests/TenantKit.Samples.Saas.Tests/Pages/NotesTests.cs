using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Pages;

/// <summary>Each tenant's notes, written by its signed-in people: create, edit, delete, and never another tenant's.</summary>
public sealed class NotesTests : IAsyncLifetime
{
    private readonly SampleApp _app = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = _app.CreateBrowserLikeClient();
        await _client.SignInAsSeededAsync("acme");
        await _client.SignInAsSeededAsync("globex");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<HttpResponseMessage> AddNoteAsync(string tenant, string title, string text = "")
        => await _client.PostFormAsync(At(tenant), At(tenant), ("Input.Title", title), ("Input.Text", text));

    private async Task<int> NoteIdAsync(string tenant, string title)
    {
        var html = await _client.HtmlAsync(At(tenant));
        var match = System.Text.RegularExpressions.Regex.Match(html, $"data-note=\"(\\d+)\">\\s*<div class=\"note-head\">\\s*<h3>{System.Text.RegularExpressions.Regex.Escape(title)}</h3>");
        Assert.True(match.Success, $"No note '{title}' at {tenant}.");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Seed_GivesEachTenantItsOwnNotes()
    {
        var acme = await _client.HtmlAsync(At("acme"));
        var globex = await _client.HtmlAsync(At("globex"));

        Assert.Equal("3", Field(acme, "note-count"));
        Assert.Equal("2", Field(globex, "note-count"));
        Assert.Contains("Order more anvils", acme, StringComparison.Ordinal);
        Assert.DoesNotContain("Order more anvils", globex, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateNote_AppearsAtItsTenant_AndNotAtAnother()
    {
        using var response = await AddNoteAsync("acme", "Buy bird seed", "Iron, if they have it.");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var acme = await _client.HtmlAsync(At("acme"));
        Assert.Contains("Buy bird seed", acme, StringComparison.Ordinal);
        Assert.Contains("Note added.", acme, StringComparison.Ordinal);
        Assert.DoesNotContain("Buy bird seed", await _client.HtmlAsync(At("globex")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateNote_ByPath_RedirectsUnderThePath()
    {
        // Signed in by path: the cookie's path is /t/globex on the bare host name.
        using var signIn = await _client.PostFormAsync(Host("/t/globex/account/signin"), Host("/t/globex/account/signin"), ("Input.Email", TenantAccounts.GlobexAdmin), ("Input.Password", TenantAccounts.GlobexAdminPassword));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/t/globex", signIn.Headers.Location?.OriginalString?.TrimEnd('/'));

        using var response = await _client.PostFormAsync(Host("/t/globex/"), Host("/t/globex/"), ("Input.Title", "From the path"), ("Input.Text", string.Empty));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/t/globex", response.Headers.Location?.OriginalString?.TrimEnd('/'));
        Assert.Contains("From the path", await _client.HtmlAsync(At("globex")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateNote_WithoutATitle_ShowsWhy_AndSavesNothing()
    {
        using var response = await AddNoteAsync("acme", string.Empty, "No title here");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("A note needs a title.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("3", Field(await _client.HtmlAsync(At("acme")), "note-count"));
    }

    [Fact]
    public async Task EditNote_ChangesIt()
    {
        var id = await NoteIdAsync("acme", "Team lunch");
        var page = At("acme", $"/notes/{id}/edit");

        using var response = await _client.PostFormAsync(page, page, ("Input.Title", "Team dinner"), ("Input.Text", "Moved to seven."));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var acme = await _client.HtmlAsync(At("acme"));
        Assert.Contains("Team dinner", acme, StringComparison.Ordinal);
        Assert.DoesNotContain("Team lunch", acme, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteNote_RemovesIt()
    {
        var id = await NoteIdAsync("globex", "Quarterly goals");

        using var response = await _client.PostFormAsync(At("globex"), At("globex", $"/notes/{id}/edit?handler=Delete"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var globex = await _client.HtmlAsync(At("globex"));
        Assert.DoesNotContain("Quarterly goals", globex, StringComparison.Ordinal);
        Assert.Equal("1", Field(globex, "note-count"));
    }

    /// <summary>Another tenant in the shared tables, beside acme: only the tenant filter keeps acme's rows from it.</summary>
    private async Task AddInitechAsync()
    {
        using var host = _app.CreateBrowserLikeClient();
        await host.SignInAsync();
        using var response = await host.CreateTenantAsync("initech", administratorEmail: "bill@initech.example", administratorPassword: "Tps-report-1");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        using var signIn = await _client.SignInAtAsync("initech", "bill@initech.example", "Tps-report-1");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
    }

    [Fact]
    public async Task EditPage_ForAnotherTenantsNote_Is404()
    {
        await AddInitechAsync();
        var id = await NoteIdAsync("acme", "Order more anvils");

        var (status, _) = await _client.PageAsync(At("initech", $"/notes/{id}/edit"));

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task Delete_OfAnotherTenantsNote_Is404_AndTheNoteStays()
    {
        await AddInitechAsync();
        var id = await NoteIdAsync("acme", "Rocket skates recall");

        using var response = await _client.PostFormAsync(At("initech"), At("initech", $"/notes/{id}/edit?handler=Delete"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Rocket skates recall", await _client.HtmlAsync(At("acme")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_OfAnotherTenantsNote_Is404_AndTheNoteIsUnchanged()
    {
        await AddInitechAsync();
        var id = await NoteIdAsync("acme", "Order more anvils");

        using var response = await _client.PostFormAsync(At("initech"), At("initech", $"/notes/{id}/edit"), ("Input.Title", "Hijacked"), ("Input.Text", string.Empty));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var acme = await _client.HtmlAsync(At("acme"));
        Assert.Contains("Order more anvils", acme, StringComparison.Ordinal);
        Assert.DoesNotContain("Hijacked", acme, StringComparison.Ordinal);
    }
}
