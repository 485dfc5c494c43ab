using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Identity.Tests.Binding;

public sealed class TenantOptionsTests(SqliteFixture database) : IClassFixture<SqliteFixture>
{
    [Fact]
    public async Task PasswordRules_ComeFromTheTenantsProperties()
    {
        await using var app = await IdentityApp.StartAsync(database);

        // acme: Identity:Password:RequiredLength = 12; globex keeps Identity's 6.
        using var acme = await app.SendAsync(HttpMethod.Post, "acme", "/register", new { email = "e@example.com", password = "Sh0rt!pw" });
        using var globex = await app.SendAsync(HttpMethod.Post, "globex", "/register", new { email = "e@example.com", password = "Sh0rt!pw" });

        Assert.Equal(HttpStatusCode.BadRequest, acme.StatusCode);
        Assert.Contains("PasswordTooShort", await acme.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, globex.StatusCode);
    }

    [Fact]
    public async Task ConfirmedAccountRequirement_ComesFromTheTenantsProperties()
    {
        await using var app = await IdentityApp.StartAsync(database);
        foreach (var tenant in new[] { "initech", "globex" })
        {
            using var registered = await app.SendAsync(HttpMethod.Post, tenant, "/register", new { email = "f@example.com", password = IdentityApp.Password });
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("initech", "f@example.com", IdentityApp.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("globex", "f@example.com", IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task Lockout_AfterFailedAttempts_IsPerTenant()
    {
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", "g@example.com");
        await app.CreateUserAsync("globex", "g@example.com");

        for (var i = 0; i < 5; i++)
        {
            await app.LoginAsync("acme", "g@example.com", "Wrong-Passw0rd!");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", "g@example.com", IdentityApp.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("globex", "g@example.com", IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task PathBasedTenants_GetCookiesScopedToTheirPath()
    {
        await using var app = await IdentityApp.StartAsync(database, pathBase: true);
        await app.CreateUserAsync("acme", "h@example.com");

        using var response = await app.Client.PostAsync("http://example.com/t/acme/login?useCookies=true", System.Net.Http.Json.JsonContent.Create(new { email = "h@example.com", password = IdentityApp.Password }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Identity.Application", StringComparison.Ordinal));
        Assert.StartsWith(".AspNetCore.Identity.Application.t-acme=", cookie, StringComparison.Ordinal);
        Assert.Contains("path=/t/acme", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ModelIncludesTheTenant_InIdentitysUniqueIndexes()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var indexes = await app.AsTenantAsync("acme", s =>
        {
            var model = s.GetRequiredService<AppIdentityContext>().Model;
            return Task.FromResult(model.GetEntityTypes()
                .SelectMany(e => e.GetIndexes().Where(i => i.GetDatabaseName() is "UserNameIndex" or "EmailIndex" or "RoleNameIndex"))
                .Select(i => $"{i.GetDatabaseName()}({string.Join(",", i.Properties.Select(p => p.Name))}) unique={i.IsUnique}")
                .Order(StringComparer.Ordinal).ToList());
        });

        Assert.Equal(
            ["EmailIndex(TenantId,NormalizedEmail) unique=False", "RoleNameIndex(TenantId,NormalizedName) unique=True", "UserNameIndex(TenantId,NormalizedUserName) unique=True"],
            indexes);
    }
}
