using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Identity.Tests.Administration;

/// <summary>A tenant's administrators administer its users, and only its users; bad input is a problem document, never a 500.</summary>
public sealed class UserAdministrationEndpointTests(SqliteFixture database) : IClassFixture<SqliteFixture>
{
    private const string Admin = "admin@acme.example";

    private static async Task<(IdentityApp App, Credentials Acme)> StartAsync(SqliteFixture database)
    {
        var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", Admin, IdentityApp.Password, "tenant-admin");
        var (_, credentials) = await app.LoginAsync("acme", Admin, IdentityApp.Password);
        return (app, credentials!);
    }

    [Fact]
    public async Task Administrator_CreatesListsLocksUnlocksChangesRolesAndDeletes_InTheirTenant()
    {
        var (app, admin) = await StartAsync(database);
        await using var _ = app;
        await app.AsTenantAsync("acme", async s => await s.GetRequiredService<RoleManager<IdentityRole>>().CreateAsync(new IdentityRole("billing")));

        using var created = await app.SendAsync(HttpMethod.Post, "acme", "/admin/users", new { email = "bob@example.com", password = IdentityApp.Password, roles = new[] { "billing" } }, admin);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var bob = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = bob.GetProperty("id").GetString()!;
        Assert.Equal($"/admin/users/{id}", created.Headers.Location!.ToString());
        Assert.Equal(["billing"], bob.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        using var list = await app.SendAsync(HttpMethod.Get, "acme", "/admin/users?search=bob", credentials: admin);
        var page = await list.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, page.GetProperty("totalCount").GetInt32());

        using var locked = await app.SendAsync(HttpMethod.Post, "acme", $"/admin/users/{id}/lock", credentials: admin);
        Assert.True((await locked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lockedOut").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", "bob@example.com", IdentityApp.Password)).Status);

        using var unlocked = await app.SendAsync(HttpMethod.Post, "acme", $"/admin/users/{id}/unlock", credentials: admin);
        Assert.False((await unlocked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lockedOut").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("acme", "bob@example.com", IdentityApp.Password)).Status);

        using var roles = await app.SendAsync(HttpMethod.Put, "acme", $"/admin/users/{id}/roles", new { roles = new[] { "tenant-admin" } }, admin);
        Assert.Equal(["tenant-admin"], (await roles.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        using var deleted = await app.SendAsync(HttpMethod.Delete, "acme", $"/admin/users/{id}", credentials: admin);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await app.SendAsync(HttpMethod.Get, "acme", $"/admin/users/{id}", credentials: admin);
        await AssertProblemAsync(gone, HttpStatusCode.NotFound, TenantIdentityProblemTypes.UserNotFound);
    }

    [Fact]
    public async Task Invitation_CreatesAUserWithoutPassword_AndMailsAResetCodeThatSetsIt()
    {
        var (app, admin) = await StartAsync(database);
        await using var _ = app;

        using var created = await app.SendAsync(HttpMethod.Post, "acme", "/admin/users", new { email = "carol@example.com" }, admin);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var code = app.Mail.LastFor("carol@example.com");
        Assert.NotNull(code);

        // MapIdentityApi's /resetPassword serves confirmed addresses only: the invitee confirms first (the application's
        // confirmation flow), then sets a password with the code.
        await app.AsTenantAsync("acme", async s =>
        {
            var users = s.GetRequiredService<UserManager<AppUser>>();
            var carol = (await users.FindByEmailAsync("carol@example.com"))!;
            return await users.ConfirmEmailAsync(carol, await users.GenerateEmailConfirmationTokenAsync(carol));
        });
        using var reset = await app.SendAsync(HttpMethod.Post, "acme", "/resetPassword", new { email = "carol@example.com", resetCode = code, newPassword = IdentityApp.Password });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("acme", "carol@example.com", IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task AnotherTenantsUserId_IsNotFound_ForEveryOperation()
    {
        var (app, admin) = await StartAsync(database);
        await using var _ = app;
        var globexUser = await app.CreateUserAsync("globex", "victim@example.com");

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, $"/admin/users/{globexUser}", null),
            (HttpMethod.Delete, $"/admin/users/{globexUser}", null),
            (HttpMethod.Post, $"/admin/users/{globexUser}/lock", null),
            (HttpMethod.Post, $"/admin/users/{globexUser}/unlock", null),
            (HttpMethod.Put, $"/admin/users/{globexUser}/roles", new { roles = Array.Empty<string>() }),
        })
        {
            using var response = await app.SendAsync(method, "acme", path, body, admin);
            await AssertProblemAsync(response, HttpStatusCode.NotFound, TenantIdentityProblemTypes.UserNotFound);
        }

        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("globex", "victim@example.com", IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task AcmeAdministrator_CannotAdministerGlobex_NorTheHost_NorALookAlike()
    {
        var (app, admin) = await StartAsync(database);
        await using var _ = app;
        await app.CreateUserAsync("globex", Admin, IdentityApp.Password);

        foreach (var tenant in new[] { "globex", "acme1" })
        {
            using var response = await app.SendAsync(HttpMethod.Get, tenant, "/admin/users", credentials: admin);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var host = await app.SendAsync(HttpMethod.Get, "", "/admin/users", credentials: admin);
        Assert.Equal(HttpStatusCode.NotFound, host.StatusCode);
        Assert.Equal("https://tenantkit.dev/problems/tenant-required", (await host.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task UserWhoIsNoAdministrator_IsForbidden_AndAnonymousIsChallenged()
    {
        var (app, _) = await StartAsync(database);
        await using var __ = app;
        await app.CreateUserAsync("acme", "plain@example.com");
        var (_, plain) = await app.LoginAsync("acme", "plain@example.com", IdentityApp.Password);

        using var forbidden = await app.SendAsync(HttpMethod.Get, "acme", "/admin/users", credentials: plain);
        using var anonymous = await app.SendAsync(HttpMethod.Get, "acme", "/admin/users");

        await AssertProblemAsync(forbidden, HttpStatusCode.Forbidden, TenantIdentityProblemTypes.AdministratorRequired);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task AdministratorWhoseRoleWasRemoved_IsRefusedAtOnce_EvenWithAValidToken()
    {
        var (app, admin) = await StartAsync(database);
        await using var _ = app;
        await app.AsTenantAsync("acme", async s =>
        {
            var users = s.GetRequiredService<UserManager<AppUser>>();
            return await users.RemoveFromRoleAsync((await users.FindByEmailAsync(Admin))!, "tenant-admin");
        });

        using var response = await app.SendAsync(HttpMethod.Get, "acme", "/admin/users", credentials: admin);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, TenantIdentityProblemTypes.AdministratorRequired);
    }

    public static TheoryData<string, int, string> BadInput => new()
    {
        { """{"email":"admin@acme.example","password":"Passw0rd!long"}""", 409, TenantIdentityProblemTypes.UserAlreadyExists },
        { """{"email":"not-an-email","password":"Passw0rd!long"}""", 400, TenantIdentityProblemTypes.IdentityValidation },
        { """{"email":"x@example.com","password":"short"}""", 400, TenantIdentityProblemTypes.IdentityValidation },
        { $$"""{"email":"{{new string('a', 300)}}@example.com","password":"Passw0rd!long"}""", 400, TenantIdentityProblemTypes.IdentityValidation },
        { $$"""{"email":"y@example.com","userName":"{{new string('b', 300)}}","password":"Passw0rd!long"}""", 400, TenantIdentityProblemTypes.IdentityValidation },
        { """{"email":"z@example.com","password":"Passw0rd!long","roles":["no-such-role"]}""", 400, TenantIdentityProblemTypes.UnknownRole },
        { """{"email":"z@example.com","surprise":true}""", 400, TenantIdentityProblemTypes.InvalidRequest },
        { """{"email":""", 400, TenantIdentityProblemTypes.InvalidRequest },
        { """[]""", 400, TenantIdentityProblemTypes.InvalidRequest },
        { """{"password":"Passw0rd!long"}""", 400, TenantIdentityProblemTypes.InvalidRequest },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task BadInput_IsAProblemDocument_NeverA500(string body, int status, string type)
    {
        var (app, admin) = await StartAsync(database);
        await using var _ = app;

        using var response = await app.SendAsync(HttpMethod.Post, "acme", "/admin/users", body, admin);

        await AssertProblemAsync(response, (HttpStatusCode)status, type);
    }

    [Fact]
    public async Task BadQueryAndSelfAdministration_AreProblemDocuments()
    {
        var (app, admin) = await StartAsync(database);
        await using var _ = app;
        var self = await app.AsTenantAsync("acme", async s => (await s.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(Admin))!.Id);

        using var take = await app.SendAsync(HttpMethod.Get, "acme", "/admin/users?take=0", credentials: admin);
        using var deleteSelf = await app.SendAsync(HttpMethod.Delete, "acme", $"/admin/users/{self}", credentials: admin);
        using var unknownRole = await app.SendAsync(HttpMethod.Put, "acme", $"/admin/users/{await app.CreateUserAsync("acme", "d@example.com")}/roles", new { roles = new[] { "ghost" } }, admin);

        await AssertProblemAsync(take, HttpStatusCode.BadRequest, TenantIdentityProblemTypes.InvalidRequest);
        await AssertProblemAsync(deleteSelf, HttpStatusCode.Conflict, TenantIdentityProblemTypes.CannotAdministerSelf);
        await AssertProblemAsync(unknownRole, HttpStatusCode.BadRequest, TenantIdentityProblemTypes.UnknownRole);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.True(status == response.StatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }
}
