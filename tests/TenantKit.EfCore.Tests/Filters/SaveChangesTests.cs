using Microsoft.EntityFrameworkCore;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Filters;

/// <summary>Saves are stamped with the current tenant; writing another tenant's row throws and changes nothing.</summary>
public abstract class SaveChangesTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private async Task<TestApp> StartAsync()
    {
        var app = await TestApp.StartAsync(database, Tenants.Drafts("alpha", "beta"));
        await app.SeedAsync(["alpha", "beta"]);
        return app;
    }

    private static Task<(int Id, int CustomerId, int LineId)> FirstOfAsync(TestApp app, string tenant)
        => app.AsTenant(tenant, async db =>
        {
            var order = await db.Orders.Include(o => o.Lines).OrderBy(o => o.Id).FirstAsync();
            return (order.Id, order.CustomerId!.Value, order.Lines[0].Id);
        });

    [Fact]
    public async Task Add_AsTenant_StampsTheTenantOnInterfaceAndShadowColumns()
    {
        await using var app = await StartAsync();

        var (orderTenant, lineTenant, customerTenant) = await app.AsTenant("beta", async db =>
        {
            var order = new Order { Number = "5000", Lines = [new OrderLine { Product = "x", Quantity = 1 }], Customer = new Customer { Email = "new@example.com" } };
            db.Orders.Add(order);
            await db.SaveChangesAsync();
            return (order.TenantId, (string)db.Entry(order.Lines[0]).Property("TenantId").CurrentValue!, (string)db.Entry(order.Customer).Property("TenantId").CurrentValue!);
        });

        Assert.Equal(("id-beta", "id-beta", "id-beta"), (orderTenant, lineTenant, customerTenant));
    }

    [Fact]
    public async Task Add_WithAnotherTenantsId_ThrowsAndSavesNothing()
    {
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            db.Orders.Add(new Order { Number = "5001" });
            db.Orders.Add(new Order { Number = "5002", TenantId = "id-beta" });
            return await db.SaveChangesAsync();
        }));

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task Update_OfAnotherTenantsRow_ThrowsAndChangesNothing()
    {
        await using var app = await StartAsync();
        var (betaOrder, _, _) = await FirstOfAsync(app, "beta");
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            db.Orders.Update(new Order { Id = betaOrder, TenantId = "id-beta", Number = "hijacked", Total = 0 });
            return await db.SaveChangesAsync();
        }));

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task Delete_OfAnotherTenantsRow_ThrowsAndChangesNothing()
    {
        await using var app = await StartAsync();
        var (_, _, betaLine) = await FirstOfAsync(app, "beta");
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            var line = new OrderLine { Id = betaLine };
            db.Lines.Attach(line);
            db.Entry(line).Property("TenantId").OriginalValue = "id-beta";
            db.Lines.Remove(line);
            return await db.SaveChangesAsync();
        }));

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task Update_OfAnotherTenantsRowClaimedAsOwn_ChangesNothing()
    {
        await using var app = await StartAsync();
        var (betaOrder, _, betaLine) = await FirstOfAsync(app, "beta");
        var before = await app.DumpAsync();

        // The row is claimed for the current tenant: the tenant column is a concurrency token, so the UPDATE and
        // DELETE match no row and EF Core reports it. The other tenant's row is untouched.
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => app.AsTenant("alpha", async db =>
        {
            db.Orders.Update(new Order { Id = betaOrder, TenantId = "id-alpha", Number = "hijacked" });
            return await db.SaveChangesAsync();
        }));
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => app.AsTenant("alpha", async db =>
        {
            var line = new OrderLine { Id = betaLine };
            db.Lines.Attach(line);
            db.Entry(line).Property("TenantId").OriginalValue = "id-alpha";
            db.Lines.Remove(line);
            return await db.SaveChangesAsync();
        }));

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task Update_ChangingTheTenantColumn_ThrowsAndChangesNothing()
    {
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            var order = await db.Orders.FirstAsync();
            order.TenantId = "id-beta";
            return await db.SaveChangesAsync();
        }));
        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            var customer = await db.Customers.FirstAsync();
            db.Entry(customer).Property("TenantId").CurrentValue = "id-beta";
            return await db.SaveChangesAsync();
        }));

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task Update_OfOwnRow_Saves()
    {
        await using var app = await StartAsync();

        await app.AsTenant("alpha", async db =>
        {
            var order = await db.Orders.OrderBy(o => o.Id).FirstAsync();
            order.Total = 4242;
            return await db.SaveChangesAsync();
        });

        Assert.Equal(1, await app.AsTenant("alpha", db => db.Orders.CountAsync(o => o.Total == 4242)));
    }

    [Fact]
    public async Task UniqueIndex_IsPerTenant()
    {
        await using var app = await StartAsync();

        // Both tenants already have order 1001 (seeded); a second 1001 in one tenant violates the index.
        await Assert.ThrowsAsync<DbUpdateException>(() => app.AsTenant("alpha", async db =>
        {
            db.Orders.Add(new Order { Number = "1001" });
            return await db.SaveChangesAsync();
        }));
        Assert.Equal(2, await app.AsHost(db => db.Orders.CountAsync(o => o.Number == "1001")));
    }
}

public sealed class SqliteSaveChangesTests(SqliteFixture database) : SaveChangesTests<SqliteFixture>(database);

public sealed class PostgresSaveChangesTests(PostgresFixture database) : SaveChangesTests<PostgresFixture>(database);
