using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Identity.Tests.Administration;

public sealed class HostAdministrationTests(SqliteFixture database) : IClassFixture<SqliteFixture>
{
    [Fact]
    public async Task Host_CreatesATenantWithItsFirstAdministrator_WhoCanSignInAndAdminister()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var identity = app.Services.GetRequiredService<ITenantIdentityAdministration>();

        using (app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            await identity.CreateTenantWithAdministratorAsync(new TenantDraft("hooli") { Id = "t-hooli" }, new TenantAdministratorDraft { Email = "gavin@hooli.example", Password = IdentityApp.Password });
        }

        var (status, admin) = await app.LoginAsync("hooli", "gavin@hooli.example", IdentityApp.Password);
        Assert.Equal(HttpStatusCode.OK, status);
        using var list = await app.SendAsync(HttpMethod.Get, "hooli", "/admin/users", credentials: admin);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", "gavin@hooli.example", IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task AdministratorThatCannotBeMade_UndoesTheTenant()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var identity = app.Services.GetRequiredService<ITenantIdentityAdministration>();
        var host = app.Services.GetRequiredService<ITenantContextAccessor>();

        using (host.BeginHostScope())
        {
            var error = await Assert.ThrowsAsync<TenantIdentityException>(() => identity.CreateTenantWithAdministratorAsync(
                new TenantDraft("pied") { Id = "t-pied" }, new TenantAdministratorDraft { Email = "not-an-email", Password = IdentityApp.Password }));
            Assert.Contains(error.Errors, e => e.Code == "InvalidEmail");
            Assert.Null(await app.Services.GetRequiredService<ITenantAdministration>().GetAsync("t-pied"));
        }
    }

    [Fact]
    public async Task HostWork_OnATenantsUsers_NeedsAnExplicitHostScope()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var identity = app.Services.GetRequiredService<ITenantIdentityAdministration>();

        await Assert.ThrowsAsync<HostScopeRequiredException>(() => identity.RunAsTenantAsync("acme", (_, _) => Task.FromResult(true)));
        await Assert.ThrowsAsync<HostScopeRequiredException>(() => identity.CreateTenantWithAdministratorAsync(
            new TenantDraft("x1"), new TenantAdministratorDraft { Email = "a@example.com", Password = IdentityApp.Password }));
    }
}
