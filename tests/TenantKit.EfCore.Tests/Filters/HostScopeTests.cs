using Microsoft.EntityFrameworkCore;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Filters;

/// <summary>Only an explicit host scope lifts the tenant filter, and it is logged.</summary>
public abstract class HostScopeTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private async Task<TestApp> StartAsync()
    {
        var app = await TestApp.StartAsync(database, Tenants.Drafts(Tenants.Shared));
        await app.SeedAsync(Tenants.Shared);
        return app;
    }

    [Fact]
    public async Task Query_InHostScope_ReadsEveryTenantsRows()
    {
        await using var app = await StartAsync();

        var tenants = await app.AsHost(db => db.Orders.Include(o => o.Lines).Select(o => o.TenantId).Distinct().OrderBy(t => t).ToListAsync());
        var lines = await app.AsHost(db => db.Lines.CountAsync());

        Assert.Equal(["id-alpha", "id-beta", "id-gamma"], tenants);
        Assert.Equal(18, lines);
    }

    [Fact]
    public async Task CompiledQuery_RunByTheHostAndThenATenant_IsRefusedRatherThanLeaking()
    {
        await using var app = await StartAsync();
        var compiled = EF.CompileAsyncQuery((ShopContext db) => db.Orders.Select(o => o.TenantId));

        var host = await app.AsHost(db => compiled(db).ToListAsync().AsTask());

        // The host's model has no tenant filter; EF Core refuses to run the host's compiled query on a tenant's model.
        await Assert.ThrowsAsync<InvalidOperationException>(() => app.AsTenant("beta", db => compiled(db).ToListAsync().AsTask()));
        Assert.Equal(9, host.Count);
    }

    [Fact]
    public async Task CompiledQuery_SharedByTenants_ReadsTheTenantOfEachExecution()
    {
        await using var app = await StartAsync();
        var compiled = EF.CompileAsyncQuery((ShopContext db) => db.Orders.Select(o => o.TenantId));

        var alpha = await app.AsTenant("alpha", db => compiled(db).Distinct().ToListAsync().AsTask());
        var beta = await app.AsTenant("beta", db => compiled(db).Distinct().ToListAsync().AsTask());

        Assert.Equal(["id-alpha"], alpha);
        Assert.Equal(["id-beta"], beta);
    }

    [Fact]
    public async Task HostScope_LiftingTheFilter_IsLogged()
    {
        await using var app = await StartAsync();
        app.Logs.Entries.Clear();

        await app.AsHost(db => db.Orders.CountAsync());

        Assert.Contains(app.Logs.Entries, e => e.EventId.Id == 5001 && e.Message.Contains("ShopContext serves the host", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Host_AddingATenantOwnedRowWithoutItsTenant_IsRefused()
    {
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<TenantNotSetException>(() => app.AsHost(async db =>
        {
            db.Orders.Add(new Order { Number = "7777" });
            return await db.SaveChangesAsync();
        }));

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task Host_AddingARowForANamedTenant_SavesItForThatTenant()
    {
        await using var app = await StartAsync();

        await app.AsHost(async db =>
        {
            db.Orders.Add(new Order { Number = "7777", TenantId = "id-gamma" });
            return await db.SaveChangesAsync();
        });

        Assert.True(await app.AsTenant("gamma", db => db.Orders.AnyAsync(o => o.Number == "7777")));
        Assert.False(await app.AsTenant("alpha", db => db.Orders.AnyAsync(o => o.Number == "7777")));
    }

    [Fact]
    public async Task Host_ChangingAnyTenantsRows_IsAllowed()
    {
        await using var app = await StartAsync();

        var changed = await app.AsHost(async db =>
        {
            foreach (var order in await db.Orders.ToListAsync())
            {
                order.Total = 1;
            }

            return await db.SaveChangesAsync();
        });
        var deleted = await app.AsHost(db => db.Lines.ExecuteDeleteAsync());

        Assert.Equal(9, changed);
        Assert.Equal(18, deleted);
    }

    [Fact]
    public async Task Host_MovingARowToAnotherTenant_IsRefused()
    {
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsHost(async db =>
        {
            var order = await db.Orders.FirstAsync(o => o.TenantId == "id-alpha");
            order.TenantId = "id-beta";
            return await db.SaveChangesAsync();
        }));

        Assert.Equal(before, await app.DumpAsync());
    }
}

public sealed class SqliteHostScopeTests(SqliteFixture database) : HostScopeTests<SqliteFixture>(database);

public sealed class PostgresHostScopeTests(PostgresFixture database) : HostScopeTests<PostgresFixture>(database);
