using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Isolation;

/// <summary>Each isolation model end to end, and a hybrid of them in one application, with provisioning on activation.</summary>
public abstract class IsolationModelTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private static readonly Dictionary<string, string> Schema = new() { [TenantDataOptions.IsolationProperty] = "SchemaPerTenant" };

    private Dictionary<string, string> OwnDatabase(string purpose) => new()
    {
        [TenantDataOptions.IsolationProperty] = "DatabasePerTenant",
        [TenantDataOptions.ConnectionStringProperty] = database.NewDatabase(purpose),
    };

    private Task<TestApp> StartAsync(params TenantDraft[] tenants)
        => TestApp.StartAsync(database, tenants, b => b.ProvisionTenantDatabases<ShopContext>());

    private static Task<int> CountAsync(TestApp app, string tenant) => app.AsTenant(tenant, db => db.Orders.CountAsync());

    [Fact]
    public async Task SharedTables_TenantsShareTheTablesAndEachSeesOnlyItsRows()
    {
        await using var app = await StartAsync(Tenants.Draft("alpha"), Tenants.Draft("beta"));
        await app.SeedAsync(["alpha"], orders: 2);
        await app.SeedAsync(["beta"], orders: 4);

        Assert.Equal(2, await CountAsync(app, "alpha"));
        Assert.Equal(4, await CountAsync(app, "beta"));
        Assert.Equal(6, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM \"Orders\""));
        Assert.Equal(4, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM \"Orders\" WHERE \"TenantId\" = 'id-beta'"));
    }

    [Fact]
    public async Task DatabasePerTenant_ProvisionsTheTenantsDatabaseAndKeepsItsRowsThere()
    {
        var own = OwnDatabase("delta");
        await using var app = await StartAsync(Tenants.Draft("alpha"), Tenants.Draft("delta", own));
        await app.SeedAsync(["alpha"], orders: 2);
        await app.SeedAsync(["delta"], orders: 5);

        var location = await app.AsTenant("delta", db => Task.FromResult(db.Database.GetTenantDataLocation()));

        Assert.Equal(TenantIsolationModel.DatabasePerTenant, location.Isolation);
        Assert.Equal(5, await CountAsync(app, "delta"));
        Assert.Equal(2, await CountAsync(app, "alpha"));
        Assert.Equal(5, await database.ScalarAsync(own[TenantDataOptions.ConnectionStringProperty], "SELECT COUNT(*) FROM \"Orders\" WHERE \"TenantId\" = 'id-delta'"));
        Assert.Equal(0, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM \"Orders\" WHERE \"TenantId\" = 'id-delta'"));
    }

    [Fact]
    public async Task SchemaPerTenant_EachTenantGetsItsOwnSchema_OrAClearRefusalWithoutSchemas()
    {
        await using var app = await StartAsync(Tenants.Draft("sigma", Schema), Tenants.Draft("tau", Schema), Tenants.Draft("alpha"));
        if (!database.SupportsSchemas)
        {
            var error = await Assert.ThrowsAsync<TenantLoadException>(() => CountAsync(app, "sigma"));
            var provisioning = Assert.IsType<TenantProvisioningException>(error.InnerException);
            Assert.IsType<NotSupportedException>(provisioning.InnerException);
            Assert.Contains("SQLite has no schemas", provisioning.Message, StringComparison.Ordinal);
            Assert.Equal(0, await CountAsync(app, "alpha"));
            return;
        }

        await app.SeedAsync(["sigma"], orders: 2);
        await app.SeedAsync(["tau"], orders: 3);

        Assert.Equal(2, await CountAsync(app, "sigma"));
        Assert.Equal(3, await CountAsync(app, "tau"));
        Assert.Equal(2, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM \"tenant_id_0sigma\".\"Orders\""));
        Assert.Equal(3, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM \"tenant_id_0tau\".\"Orders\""));
        Assert.Equal(0, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM \"Orders\""));
    }

    [Fact]
    public async Task Hybrid_ModelsSideBySide_EachTenantSeesOnlyItsOwnRows()
    {
        var tenants = new List<TenantDraft> { Tenants.Draft("alpha"), Tenants.Draft("beta"), Tenants.Draft("delta", OwnDatabase("delta")), Tenants.Draft("epsilon", OwnDatabase("epsilon")) };
        if (database.SupportsSchemas)
        {
            tenants.Add(Tenants.Draft("sigma", Schema));
        }

        await using var app = await StartAsync([.. tenants]);
        var expected = new Dictionary<string, int>();
        var orders = 1;
        foreach (var tenant in tenants)
        {
            expected[tenant.Identifier] = orders;
            await app.SeedAsync([tenant.Identifier], orders++);
        }

        // Interleave the tenants so each query follows another model's.
        for (var round = 0; round < 3; round++)
        {
            foreach (var (identifier, count) in expected)
            {
                var seen = await app.AsTenant(identifier, db => db.Orders.Include(o => o.Lines).ToListAsync());
                Assert.Equal(count, seen.Count);
                Assert.All(seen, o => Assert.Equal($"id-{identifier}", o.TenantId));
                Assert.All(seen, o => Assert.Equal(2, o.Lines.Count));
            }
        }

        var shared = await app.AsHost(db => db.Orders.Select(o => o.TenantId).Distinct().OrderBy(t => t).ToListAsync());
        Assert.Equal(["id-alpha", "id-beta"], shared);
    }

    [Fact]
    public async Task ApplicationContext_ForATenantWhoseDataLivesElsewhere_IsRefused_WhileTheFactoryFollowsTheTenant()
    {
        await using var app = await StartAsync(Tenants.Draft("alpha"), Tenants.Draft("delta", OwnDatabase("delta")));
        await app.SeedAsync(["delta"], orders: 2);
        var delta = await app.TenantAsync("delta");
        await using var scope = app.Services.CreateAsyncScope();
        var shared = scope.ServiceProvider.GetRequiredService<ShopContext>();

        using (app.Accessor.BeginTenantScope(delta))
        {
            var error = await Assert.ThrowsAsync<CrossTenantAccessException>(() => shared.Orders.CountAsync());
            Assert.Contains("keeps its data elsewhere", error.Message, StringComparison.Ordinal);

            await using var own = await app.Services.GetRequiredService<IDbContextFactory<ShopContext>>().CreateDbContextAsync();
            Assert.Equal(2, await own.Orders.CountAsync());
        }
    }

    [Fact]
    public async Task ManyTenantsWithTheirOwnDatabases_ShareOneEfCoreServiceProvider()
    {
        // TestApp makes EF Core throw when it builds more than twenty internal service providers.
        var tenants = Enumerable.Range(0, 24).Select(i => Tenants.Draft($"own{i}", OwnDatabase($"own{i}"))).ToArray();
        await using var app = await StartAsync(tenants);

        foreach (var tenant in tenants)
        {
            await app.SeedAsync([tenant.Identifier], orders: 1);
            Assert.Equal(1, await CountAsync(app, tenant.Identifier));
        }
    }
}

public sealed class SqliteIsolationModelTests(SqliteFixture database) : IsolationModelTests<SqliteFixture>(database);

public sealed class PostgresIsolationModelTests(PostgresFixture database) : IsolationModelTests<PostgresFixture>(database);
