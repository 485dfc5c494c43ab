using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

    [Fact]
    public async Task Refusals_SayWhatWasRefused_AndAreLoggedAsWarnings()
    {
        // kills: the refusal messages emptied, "deleted" and "modified" swapped, the refusal not logged.
        await using var app = await StartAsync();
        var (betaOrder, _, betaLine) = await FirstOfAsync(app, "beta");
        var before = await app.DumpAsync();

        var added = await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            db.Orders.Add(new Order { Number = "5002", TenantId = "id-beta" });
            return await db.SaveChangesAsync();
        }));
        var modified = await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            db.Orders.Update(new Order { Id = betaOrder, TenantId = "id-beta", Number = "hijacked" });
            return await db.SaveChangesAsync();
        }));
        var deleted = await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            var line = new OrderLine { Id = betaLine };
            db.Lines.Attach(line);
            db.Entry(line).Property("TenantId").OriginalValue = "id-beta";
            db.Lines.Remove(line);
            return await db.SaveChangesAsync();
        }));
        var moved = await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async db =>
        {
            var order = await db.Orders.FirstAsync();
            order.TenantId = "id-beta";
            return await db.SaveChangesAsync();
        }));

        Assert.Equal("A Order of another tenant was added while serving tenant 'id-alpha'. Nothing was saved.", added.Message);
        Assert.Equal("A Order of another tenant was modified while serving tenant 'id-alpha'. Nothing was saved.", modified.Message);
        Assert.Equal("A OrderLine of another tenant was deleted while serving tenant 'id-alpha'. Nothing was saved.", deleted.Message);
        Assert.Equal("The tenant column 'TenantId' of a Order was changed; a row never moves to another tenant. Nothing was saved.", moved.Message);
        var warnings = app.Logs.Entries.Where(e => e.EventId.Id == 5002).Select(e => (e.Level, e.Message)).ToList();
        Assert.Equal(
            [
                (LogLevel.Warning, "Refused on ShopContext: A Order of another tenant was added while serving tenant 'id-alpha'."),
                (LogLevel.Warning, "Refused on ShopContext: A Order of another tenant was modified while serving tenant 'id-alpha'."),
                (LogLevel.Warning, "Refused on ShopContext: A OrderLine of another tenant was deleted while serving tenant 'id-alpha'."),
                (LogLevel.Warning, "Refused on ShopContext: The tenant column 'TenantId' of a Order was changed; a row never moves to another tenant."),
            ],
            warnings);
        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task HostAddingARowWithoutItsTenant_IsToldWhichPropertyToSet()
    {
        // kills: the host's refusal message emptied.
        await using var app = await StartAsync();

        var error = await Assert.ThrowsAsync<TenantNotSetException>(() => app.AsHost(async db =>
        {
            db.Lines.Add(new OrderLine { OrderId = 1, Product = "x", Quantity = 1 });
            return await db.SaveChangesAsync();
        }));

        Assert.Equal("The host added a OrderLine without its tenant: set 'TenantId' to the tenant's id. Only code serving a tenant has its rows stamped.", error.Message);
    }

    [Fact]
    public async Task SynchronousSaveChanges_IsCheckedAndStampedLikeTheAsynchronousOne()
    {
        // kills: SavingChanges (the synchronous path) not checking.
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", db =>
        {
            db.Orders.Add(new Order { Number = "5003", TenantId = "id-beta" });
            return Task.FromResult(db.SaveChanges());
        }));
        Assert.Equal(before, await app.DumpAsync());

        var stamped = await app.AsTenant("beta", db =>
        {
            var order = new Order { Number = "5004" };
            db.Orders.Add(order);
            db.SaveChanges();
            return Task.FromResult(order.TenantId);
        });
        Assert.Equal("id-beta", stamped);
    }

    [Fact]
    public async Task SaveWithNothingToWrite_NeedsNoTenant_EvenAfterReadingATenantsRows()
    {
        // kills: unchanged entries not skipped (the save would ask for a tenant it does not need).
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        using (app.Accessor.BeginTenantScope(alpha))
        {
            Assert.Equal(3, (await db.Orders.ToListAsync()).Count);
        }

        Assert.Equal(0, await db.SaveChangesAsync());
    }

    [Fact]
    public async Task WithAutomaticChangeDetectionOff_AChangeNotDetected_IsNeitherSavedNorRefused()
    {
        // kills: DetectChanges run when the application turned automatic detection off (the undetected change of the
        // tenant column would be refused), and the tenant column judged changed when EF Core will not write it.
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        var saved = await app.AsTenant("alpha", async db =>
        {
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var order = await db.Orders.OrderBy(o => o.Id).FirstAsync();
            order.TenantId = "id-beta";
            var untouched = await db.SaveChangesAsync();

            order.Total = 4343;
            db.Entry(order).Property(o => o.Total).IsModified = true;
            return (untouched, await db.SaveChangesAsync());
        });

        Assert.Equal((0, 1), saved);
        Assert.Equal(1, await app.AsTenant("alpha", db => db.Orders.CountAsync(o => o.Total == 4343)));
        Assert.Equal(before.Count, (await app.DumpAsync()).Count);
        Assert.Equal(3, await app.AsTenant("alpha", db => db.Orders.CountAsync()));
    }
}

public sealed class SqliteSaveChangesTests(SqliteFixture database) : SaveChangesTests<SqliteFixture>(database);

public sealed class PostgresSaveChangesTests(PostgresFixture database) : SaveChangesTests<PostgresFixture>(database);
