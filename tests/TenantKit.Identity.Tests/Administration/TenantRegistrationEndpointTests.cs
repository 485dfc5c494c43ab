using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Identity.Tests.Administration;

/// <summary>
/// <c>MapTenantRegistration</c>: the host's HTTP endpoint that creates a tenant with its first administrator, tried as the
/// host and as an attacker (a tenant, an anonymous caller, a tenant's administrator at the host).
/// </summary>
public sealed class TenantRegistrationEndpointTests(SqliteFixture database) : IClassFixture<SqliteFixture>
{
    private static object Body(string identifier, string email = "gavin@hooli.example", string password = IdentityApp.Password)
        => new { identifier, name = "Hooli", administrator = new { email, password } };

    private static Credentials HostKey(string key = HostKeyHandler.Key) => new(null, null, null) { HostKey = key };

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<TenantInfo?> FindAsync(IdentityApp app, string identifier)
    {
        using (app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            return await app.Services.GetRequiredService<ITenantAdministration>().FindByIdentifierAsync(identifier);
        }
    }

    [Fact]
    public async Task Host_RegistersATenantWithItsAdministrator_201_AndTheAdministratorAdministersItsUsers()
    {
        await using var app = await IdentityApp.StartAsync(database);

        using var response = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("hooli"), HostKey());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("hooli", created.GetProperty("identifier").GetString());
        Assert.Equal("gavin@hooli.example", created.GetProperty("administrator").GetString());
        var (status, admin) = await app.LoginAsync("hooli", "gavin@hooli.example", IdentityApp.Password);
        Assert.Equal(HttpStatusCode.OK, status);
        using var users = await app.SendAsync(HttpMethod.Get, "hooli", "/admin/users", credentials: admin);
        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", "gavin@hooli.example", IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task AtATenant_WithTheHostsOwnKey_Is403HostRequired_AndNoTenantIsCreated()
    {
        await using var app = await IdentityApp.StartAsync(database);

        using var response = await app.SendAsync(HttpMethod.Post, "acme", IdentityApp.RegistrationPath, Body("hooli"), HostKey());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("https://tenantkit.dev/problems/host-required", (await ProblemAsync(response)).GetProperty("type").GetString());
        Assert.Null(await FindAsync(app, "hooli"));
    }

    [Fact]
    public async Task Anonymous_OrAWrongKey_OrATenantAdministratorsToken_IsRefused_AndNoTenantIsCreated()
    {
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", "boss@acme.example", IdentityApp.Password, "tenant-admin");
        var (_, acmeAdmin) = await app.LoginAsync("acme", "boss@acme.example", IdentityApp.Password);

        using var anonymous = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("hooli"));
        using var wrongKey = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("hooli"), HostKey("guess"));
        using var tenantToken = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("hooli"), acmeAdmin);
        using var tenantTokenAtTenant = await app.SendAsync(HttpMethod.Post, "acme", IdentityApp.RegistrationPath, Body("hooli"), acmeAdmin);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tenantToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, tenantTokenAtTenant.StatusCode);
        Assert.Null(await FindAsync(app, "hooli"));
    }

    [Fact]
    public async Task DuplicateIdentifier_Is409_AndTheExistingTenantKeepsItsUsers()
    {
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", "wile@acme.example");

        using var response = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("acme", "intruder@evil.example"), HostKey());

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("https://tenantkit.dev/problems/tenant-already-exists", (await ProblemAsync(response)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("acme", "wile@acme.example", IdentityApp.Password)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", "intruder@evil.example", IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task WeakPassword_Is400_WithIdentitysErrorsUnderThePasswordField_AndNoTenantIsLeftBehind()
    {
        await using var app = await IdentityApp.StartAsync(database);

        using var response = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("hooli", password: "short"), HostKey());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal(TenantIdentityProblemTypes.IdentityValidation, problem.GetProperty("type").GetString());
        var errors = problem.GetProperty("errors");
        Assert.True(errors.GetProperty("administrator.password").GetArrayLength() >= 1, errors.ToString());
        Assert.Null(await FindAsync(app, "hooli"));

        // The identifier is free again: the same registration with a good password works.
        using var retry = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("hooli"), HostKey());
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
    }

    [Fact]
    public async Task MalformedEmail_Is400_UnderTheEmailField_AndNoTenantIsLeftBehind()
    {
        await using var app = await IdentityApp.StartAsync(database);

        using var response = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("hooli", email: "not-an-address"), HostKey());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty("administrator.email", out _));
        Assert.Null(await FindAsync(app, "hooli"));
    }

    [Theory]
    [InlineData("email")]
    [InlineData("userName")]
    public async Task OverLongAdministratorName_Is400IdentityValidation_NotA500_AndNoTenantIsLeftBehind(string field)
    {
        await using var app = await IdentityApp.StartAsync(database);
        var longName = new string('a', 300) + "@hooli.example";
        object body = field == "email"
            ? new { identifier = "hooli", administrator = new { email = longName, password = IdentityApp.Password } }
            : new { identifier = "hooli", administrator = new { email = "gavin@hooli.example", password = IdentityApp.Password, userName = longName } };

        using var response = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, body, HostKey());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal(TenantIdentityProblemTypes.IdentityValidation, problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("administrator." + field, out _), problem.ToString());
        Assert.Null(await FindAsync(app, "hooli"));
    }

    [Theory]
    [InlineData("{", "body")]
    [InlineData("{\"identifier\":\"hooli\"}", "administrator.email")]
    [InlineData("{\"identifier\":\"hooli\",\"administrator\":{\"email\":\"a@b.example\"}}", "administrator.password")]
    [InlineData("{\"administrator\":{\"email\":\"a@b.example\",\"password\":\"Passw0rd!long\"}}", "identifier")]
    [InlineData("{\"identifier\":\"hooli\",\"admin\":true}", "admin")]
    public async Task MalformedBody_Is400InvalidRequest_NamingTheField(string body, string field)
    {
        await using var app = await IdentityApp.StartAsync(database);

        using var response = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, body, HostKey());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal(TenantIdentityProblemTypes.InvalidRequest, problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Null(await FindAsync(app, "hooli"));
    }

    [Fact]
    public async Task InvalidIdentifier_Is400TenantValidation()
    {
        await using var app = await IdentityApp.StartAsync(database);

        using var response = await app.SendAsync(HttpMethod.Post, string.Empty, IdentityApp.RegistrationPath, Body("-not a label-"), HostKey());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("https://tenantkit.dev/problems/tenant-validation", (await ProblemAsync(response)).GetProperty("type").GetString());
    }
}
