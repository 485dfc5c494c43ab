using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Identity.Tests.Data;

public sealed class ExternalLoginSqliteTests(SqliteFixture database) : ExternalLoginTests(database), IClassFixture<SqliteFixture>;

public sealed class ExternalLoginPostgresTests(PostgresFixture database) : ExternalLoginTests(database), IClassFixture<PostgresFixture>;

/// <summary>
/// External logins (AspNetUserLogins) per tenant. Identity keys them by (LoginProvider, ProviderKey) alone, so with shared
/// tables the same Google account could be linked at one tenant only: the second link failed in the database (a 500).
/// </summary>
public abstract class ExternalLoginTests(DatabaseFixture database)
{
    private static readonly UserLoginInfo Google = new("Google", "google-sub-1234567890", "Google");

    private static async Task<IdentityResult> LinkAsync(IdentityApp app, string tenant, string userId)
        => await app.AsTenantAsync(tenant, async s =>
        {
            var users = s.GetRequiredService<UserManager<AppUser>>();
            return await users.AddLoginAsync((await users.FindByIdAsync(userId))!, Google);
        });

    private static Task<string?> FindByLoginAsync(IdentityApp app, string tenant)
        => app.AsTenantAsync(tenant, async s => (await s.GetRequiredService<UserManager<AppUser>>().FindByLoginAsync(Google.LoginProvider, Google.ProviderKey))?.Id);

    [Fact]
    public async Task SameExternalLogin_LinkedAtTwoTenantsInSharedTables_AndAtATenantWithItsOwnDatabase_SucceedsAtEach()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var atAcme = await app.CreateUserAsync("acme", "wile@example.com");
        var atGlobex = await app.CreateUserAsync("globex", "wile@example.com");
        var atInitech = await app.CreateUserAsync("initech", "wile@example.com");

        Assert.True((await LinkAsync(app, "acme", atAcme)).Succeeded);
        Assert.True((await LinkAsync(app, "globex", atGlobex)).Succeeded);
        Assert.True((await LinkAsync(app, "initech", atInitech)).Succeeded);

        Assert.Equal(atAcme, await FindByLoginAsync(app, "acme"));
        Assert.Equal(atGlobex, await FindByLoginAsync(app, "globex"));
        Assert.Equal(atInitech, await FindByLoginAsync(app, "initech"));
    }

    [Fact]
    public async Task ExternalLogin_LinkedAtOneTenantOnly_IsNotFoundAtAnother()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var atAcme = await app.CreateUserAsync("acme", "wile@example.com");
        await app.CreateUserAsync("globex", "wile@example.com");

        Assert.True((await LinkAsync(app, "acme", atAcme)).Succeeded);

        Assert.Null(await FindByLoginAsync(app, "globex"));
        Assert.Null(await FindByLoginAsync(app, "acme1"));
    }

    [Fact]
    public async Task SameExternalLogin_AtASecondUserOfTheSameTenant_IsRefused_ByIdentity_AndByTheDatabase()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var first = await app.CreateUserAsync("acme", "wile@example.com");
        var second = await app.CreateUserAsync("acme", "road@example.com");
        Assert.True((await LinkAsync(app, "acme", first)).Succeeded);

        var refused = await LinkAsync(app, "acme", second);
        Assert.Contains(refused.Errors, e => e.Code == nameof(IdentityErrorDescriber.LoginAlreadyAssociated));

        // Past Identity's check (two requests at once): the unique index (tenant, provider, key) refuses the row.
        await Assert.ThrowsAsync<DbUpdateException>(() => app.AsTenantAsync("acme", async s =>
        {
            var db = s.GetRequiredService<AppIdentityContext>();
            db.UserLogins.Add(new IdentityUserLogin<string> { UserId = second, LoginProvider = Google.LoginProvider, ProviderKey = Google.ProviderKey, ProviderDisplayName = "Google" });
            return await db.SaveChangesAsync();
        }));
    }

    [Fact]
    public async Task RemovingTheLink_AtOneTenant_LeavesTheOtherTenantsLink()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var atAcme = await app.CreateUserAsync("acme", "wile@example.com");
        var atGlobex = await app.CreateUserAsync("globex", "wile@example.com");
        Assert.True((await LinkAsync(app, "acme", atAcme)).Succeeded);
        Assert.True((await LinkAsync(app, "globex", atGlobex)).Succeeded);

        var removed = await app.AsTenantAsync("acme", async s =>
        {
            var users = s.GetRequiredService<UserManager<AppUser>>();
            return await users.RemoveLoginAsync((await users.FindByIdAsync(atAcme))!, Google.LoginProvider, Google.ProviderKey);
        });

        Assert.True(removed.Succeeded);
        Assert.Null(await FindByLoginAsync(app, "acme"));
        Assert.Equal(atGlobex, await FindByLoginAsync(app, "globex"));
    }

    [Fact]
    public async Task LoginsModel_IsKeyedByUser_WithTheTenantInTheUniqueIndex_AndTokensAndUserRolesKeyedByUser()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var model = await app.AsTenantAsync("acme", s => Task.FromResult(s.GetRequiredService<AppIdentityContext>().Model));

        var logins = model.FindEntityType(typeof(IdentityUserLogin<string>))!;
        Assert.Equal(["UserId", "LoginProvider", "ProviderKey"], logins.FindPrimaryKey()!.Properties.Select(p => p.Name));
        var unique = Assert.Single(logins.GetIndexes(), i => i.IsUnique);
        Assert.Equal(["TenantId", "LoginProvider", "ProviderKey"], unique.Properties.Select(p => p.Name));

        // Tokens and user roles are keyed by the user (ids are unique across tenants), so they need nothing more.
        Assert.Equal("UserId", model.FindEntityType(typeof(IdentityUserToken<string>))!.FindPrimaryKey()!.Properties[0].Name);
        Assert.Equal(["UserId", "RoleId"], model.FindEntityType(typeof(IdentityUserRole<string>))!.FindPrimaryKey()!.Properties.Select(p => p.Name));
    }
}
