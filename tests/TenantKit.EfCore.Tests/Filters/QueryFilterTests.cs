using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Filters;

public abstract class QueryFilterTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private async Task<TestApp> StartAsync()
    {
        var app = await TestApp.StartAsync(database, Tenants.Drafts(Tenants.Shared));
        await app.SeedAsync(Tenants.Shared);
        return app;
    }

    [Fact]
    public async Task Query_AsTenant_ReturnsOnlyTheTenantsRows()
    {
        await using var app = await StartAsync();

        var (orders, lines, customers) = await app.AsTenant("beta", async db => (
            await db.Orders.Select(o => o.TenantId).ToListAsync(),
            await db.Lines.Select(l => EF.Property<string>(l, "TenantId")).ToListAsync(),
            await db.Customers.Select(c => EF.Property<string>(c, "TenantId")).ToListAsync()));

        Assert.Equal(3, orders.Count);
        Assert.All(orders, t => Assert.Equal("id-beta", t));
        Assert.Equal(6, lines.Count);
        Assert.All(lines, t => Assert.Equal("id-beta", t));
        Assert.Equal(["id-beta"], customers);
    }

    [Fact]
    public async Task FirstQueryOfTenantB_AfterTenantA_SeesNoneOfTenantAsRows()
    {
        await using var app = await StartAsync();
        var first = await app.AsTenant("alpha", db => db.Orders.Select(o => o.TenantId).Distinct().ToListAsync());

        var second = await app.AsTenant("beta", db => db.Orders.Select(o => o.TenantId).Distinct().ToListAsync());

        Assert.Equal(["id-alpha"], first);
        Assert.Equal(["id-beta"], second);
    }

    [Fact]
    public async Task OneContext_ReadsTheTenantCurrentAtEachQuery_NotTheOneOfItsFirstQuery()
    {
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        var beta = await app.TenantAsync("beta");
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();

        List<string> first, second;
        using (app.Accessor.BeginTenantScope(alpha))
        {
            first = await db.Orders.Select(o => o.TenantId).Distinct().ToListAsync();
        }

        using (app.Accessor.BeginTenantScope(beta))
        {
            second = await db.Orders.Select(o => o.TenantId).Distinct().ToListAsync();
        }

        Assert.Equal(["id-alpha"], first);
        Assert.Equal(["id-beta"], second);
    }

    [Fact]
    public async Task Include_OfTenantOwnedNavigation_LeavesOutAnotherTenantsRows()
    {
        await using var app = await StartAsync();
        var alphaOrder = await app.AsTenant("alpha", db => db.Orders.OrderBy(o => o.Id).Select(o => o.Id).FirstAsync());
        await app.AsHost(async db =>
        {
            var intruder = new OrderLine { OrderId = alphaOrder, Product = "intruder", Quantity = 9 };
            db.Lines.Add(intruder);
            db.Entry(intruder).Property("TenantId").CurrentValue = "id-beta";
            return await db.SaveChangesAsync();
        });

        var products = await app.AsTenant("alpha", async db =>
            (await db.Orders.Include(o => o.Lines).SingleAsync(o => o.Id == alphaOrder)).Lines.Select(l => l.Product).ToList());

        Assert.Equal(2, products.Count);
        Assert.DoesNotContain("intruder", products);
    }

    [Fact]
    public async Task ExplicitLoading_OfATenantOwnedCollection_LeavesOutAnotherTenantsRows()
    {
        await using var app = await StartAsync();
        var alphaOrder = await app.AsTenant("alpha", db => db.Orders.OrderBy(o => o.Id).Select(o => o.Id).FirstAsync());
        await app.AsHost(async db =>
        {
            var intruder = new OrderLine { OrderId = alphaOrder, Product = "intruder", Quantity = 9 };
            db.Lines.Add(intruder);
            db.Entry(intruder).Property("TenantId").CurrentValue = "id-beta";
            return await db.SaveChangesAsync();
        });

        var products = await app.AsTenant("alpha", async db =>
        {
            var order = await db.Orders.SingleAsync(o => o.Id == alphaOrder);
            await db.Entry(order).Collection(o => o.Lines).LoadAsync();
            return order.Lines.Select(l => l.Product).ToList();
        });

        Assert.Equal(2, products.Count);
        Assert.DoesNotContain("intruder", products);
    }

    [Fact]
    public async Task Find_ByKeyOfAnotherTenant_ReturnsNull()
    {
        await using var app = await StartAsync();
        var betaOrder = await app.AsTenant("beta", db => db.Orders.Select(o => o.Id).FirstAsync());

        var found = await app.AsTenant("alpha", async db => await db.Orders.FindAsync(betaOrder));

        Assert.Null(found);
    }

    [Fact]
    public async Task ExecuteUpdate_AsTenant_ChangesOnlyTheTenantsRows()
    {
        await using var app = await StartAsync();

        var changed = await app.AsTenant("alpha", db => db.Orders.ExecuteUpdateAsync(s => s.SetProperty(o => o.Total, 0)));

        Assert.Equal(3, changed);
        var totals = await app.AsHost(db => db.Orders.Select(o => new { o.TenantId, o.Total }).ToListAsync());
        Assert.All(totals, t => Assert.Equal(t.TenantId == "id-alpha", t.Total == 0));
    }

    [Fact]
    public async Task ExecuteDelete_AsTenant_DeletesOnlyTheTenantsRows()
    {
        await using var app = await StartAsync();

        var deleted = await app.AsTenant("gamma", db => db.Lines.ExecuteDeleteAsync());

        Assert.Equal(6, deleted);
        var left = await app.AsHost(db => db.Lines.Select(l => EF.Property<string>(l, "TenantId")).Distinct().OrderBy(t => t).ToListAsync());
        Assert.Equal(["id-alpha", "id-beta"], left);
    }

    [Fact]
    public async Task ExecuteUpdate_SettingTheTenantColumn_ThrowsAndChangesNothing()
    {
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() =>
            app.AsTenant("alpha", db => db.Orders.ExecuteUpdateAsync(s => s.SetProperty(o => o.TenantId, "id-beta"))));
        await Assert.ThrowsAsync<CrossTenantAccessException>(() =>
            app.AsTenant("alpha", db => db.Lines.ExecuteUpdateAsync(s => s.SetProperty(l => EF.Property<string>(l, "TenantId"), "id-beta"))));

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task IgnoreQueryFilters_WithoutNames_IsRefused()
    {
        await using var app = await StartAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", db => db.Orders.IgnoreQueryFilters().ToListAsync()));
        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", db => db.Orders.IgnoreQueryFilters([TenantQueryFilter.Name]).ToListAsync()));
    }

    [Fact]
    public async Task IgnoreQueryFilters_NamingOtherFilters_KeepsTheTenantFilter()
    {
        await using var app = await StartAsync();

        var tenants = await app.AsTenant("alpha", db => db.Orders.IgnoreQueryFilters(["SoftDelete"]).Select(o => o.TenantId).Distinct().ToListAsync());

        Assert.Equal(["id-alpha"], tenants);
    }

    [Fact]
    public async Task EfCoreCommands_OfATenantsContext_AreLoggedToTheApplicationsLoggers()
    {
        await using var app = await StartAsync();
        app.Logs.Entries.Clear();

        await app.AsTenant("alpha", db => db.Orders.CountAsync());

        Assert.Contains(app.Logs.Entries, e => e.Category == "Microsoft.EntityFrameworkCore.Database.Command" && e.Message.Contains("\"TenantId\" = @ef_filter__p", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FromSql_OnATenantOwnedSet_IsFiltered()
    {
        await using var app = await StartAsync();
        var tenants = await app.AsTenant("beta", db => db.Orders.FromSqlRaw("SELECT * FROM \"Orders\"").Select(o => o.TenantId).Distinct().ToListAsync());

        Assert.Equal(["id-beta"], tenants);
    }

    [Fact]
    public async Task SynchronousExecuteUpdate_SettingTheTenantColumn_ThrowsAndChangesNothing()
    {
        // kills: only ExecuteUpdateAsync inspected (the synchronous ExecuteUpdate would move rows).
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        var error = await Assert.ThrowsAsync<CrossTenantAccessException>(() =>
            app.AsTenant("alpha", db => Task.FromResult(db.Orders.ExecuteUpdate(s => s.SetProperty(o => o.TenantId, "id-beta")))));

        Assert.Equal("ExecuteUpdate sets the tenant column 'TenantId'; a row never moves to another tenant.", error.Message);
        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task ExecuteUpdate_SettingOtherColumnsAlongsideTheTenantColumn_IsRefused_WhereverTheTenantSetterIs()
    {
        // kills: only the first setter inspected.
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", db =>
            db.Orders.ExecuteUpdateAsync(s => s.SetProperty(o => o.Total, 1).SetProperty(o => o.TenantId, "id-beta"))));

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task ExecuteUpdate_OfASharedEntity_IsNotMistakenForATenantColumnChange()
    {
        // kills: a setter judged a tenant column change without matching the tenant property's name or entity type.
        await using var app = await StartAsync();
        await app.AsHost(async db =>
        {
            db.Products.Add(new Product { Code = "P-1" });
            return await db.SaveChangesAsync();
        });

        var changed = await app.AsTenant("alpha", db => db.Products.ExecuteUpdateAsync(s => s.SetProperty(p => p.Code, "P-2")));
        var lines = await app.AsTenant("alpha", db => db.Lines.ExecuteUpdateAsync(s => s.SetProperty(l => EF.Property<string>(l, "Product"), "renamed")));

        Assert.Equal((1, 6), (changed, lines));
    }

    [Fact]
    public async Task IgnoreQueryFilters_NamingTheTenantFilterThroughAVariable_IsRefused()
    {
        // kills: only constant filter names evaluated (names held in a variable would lift the tenant filter).
        await using var app = await StartAsync();
        string[] names = ["SoftDelete", TenantQueryFilter.Name];
        string[] others = ["SoftDelete"];

        var error = await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", db => db.Orders.IgnoreQueryFilters(names).ToListAsync()));
        var tenants = await app.AsTenant("alpha", db => db.Orders.IgnoreQueryFilters(others).Select(o => o.TenantId).Distinct().ToListAsync());

        Assert.Equal($"The query ignores the tenant filter '{TenantQueryFilter.Name}', which only a host scope may lift.", error.Message);
        Assert.Equal(["id-alpha"], tenants);
    }

    [Fact]
    public async Task QueryRefusals_SayWhy_AndAreLoggedAsWarnings()
    {
        // kills: the refusal message emptied, the refusal not logged.
        await using var app = await StartAsync();

        var error = await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", db => db.Orders.IgnoreQueryFilters().ToListAsync()));

        Assert.StartsWith("IgnoreQueryFilters() without names would lift TenantKit's tenant filter", error.Message, StringComparison.Ordinal);
        Assert.Contains(app.Logs.Entries, e => e.EventId.Id == 5002 && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message == $"Refused on ShopContext: {error.Message}");
    }
}

public sealed class SqliteQueryFilterTests(SqliteFixture database) : QueryFilterTests<SqliteFixture>(database);

public sealed class PostgresQueryFilterTests(PostgresFixture database) : QueryFilterTests<PostgresFixture>(database);
