using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Snapshooter;
using Snapshooter.Xunit;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Security;

/// <summary>PostgreSQL row-level security: even raw SQL on a TenantKit connection cannot cross tenants.</summary>
public sealed class RowLevelSecurityTests(PostgresFixture database) : IClassFixture<PostgresFixture>
{
    private async Task<TestApp> StartAsync(bool pooled = false)
    {
        var app = await TestApp.StartAsync(database, Tenants.Drafts("alpha", "beta"), rowLevelSecurity: true, pooled: pooled);
        await app.SeedAsync(["alpha"], orders: 2);
        await app.SeedAsync(["beta"], orders: 3);
        return app;
    }

    private static Task<List<string>> RawTenantsAsync(ShopContext db)
        => db.Database.SqlQueryRaw<string>("SELECT \"TenantId\" AS \"Value\" FROM \"Orders\"").ToListAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RawSql_AsTenant_ReadsOnlyTheTenantsRows(bool pooled)
    {
        await using var app = await StartAsync(pooled);

        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(["id-alpha", "id-alpha"], await app.AsTenant("alpha", RawTenantsAsync));
            Assert.Equal(["id-beta", "id-beta", "id-beta"], await app.AsTenant("beta", RawTenantsAsync));
        }
    }

    [Fact]
    public async Task RawConnection_OfATenantsContext_ReadsOnlyTheTenantsRows()
    {
        await using var app = await StartAsync();

        var count = await app.AsTenant("beta", async db =>
        {
            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM \"Orders\"";
            return (long)(await command.ExecuteScalarAsync())!;
        });

        Assert.Equal(3, count);
    }

    [Fact]
    public async Task RawWrites_AsTenant_CannotTouchAnotherTenantsRows()
    {
        await using var app = await StartAsync();
        var before = await app.DumpAsync();

        var updated = await app.AsTenant("alpha", db => db.Database.ExecuteSqlRawAsync("UPDATE \"Orders\" SET \"Total\" = \"Total\" WHERE \"TenantId\" = 'id-beta'"));
        var deleted = await app.AsTenant("alpha", db => db.Database.ExecuteSqlRawAsync("DELETE FROM \"Lines\""));
        var insert = await Assert.ThrowsAsync<PostgresException>(() => app.AsTenant("alpha", db =>
            db.Database.ExecuteSqlRawAsync("INSERT INTO \"Orders\" (\"TenantId\", \"Number\", \"Total\") VALUES ('id-beta', 'x', 1)")));

        Assert.Equal(0, updated);
        Assert.Equal(4, deleted);
        Assert.Equal("42501", insert.SqlState);
        Assert.Equal(before.Where(r => !r.StartsWith("line", StringComparison.Ordinal) || !r.Contains("id-alpha", StringComparison.Ordinal)), await app.DumpAsync());
    }

    [Fact]
    public async Task RawSql_InAHostScope_ReadsEveryTenantsRows()
    {
        await using var app = await StartAsync();

        Assert.Equal(5, (await app.AsHost(RawTenantsAsync)).Count);
    }

    [Fact]
    public async Task RawSql_WithNoTenantAndNoHostScope_ReadsNothing()
    {
        await using var app = await StartAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();

        Assert.Empty(await RawTenantsAsync(db));
    }

    [Fact]
    public async Task PlainConnection_WithoutTenantKit_ReadsNothing_EvenAsTheTablesOwner()
    {
        await using var app = await StartAsync();

        Assert.Equal(0, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM \"Orders\""));
        Assert.Equal(1, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM pg_class WHERE relname = 'Orders' AND relrowsecurity AND relforcerowsecurity AND relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"));
    }

    [Fact]
    public async Task EnsureTenantRowLevelSecurity_RunTwiceAndConcurrently_IsHarmless()
    {
        await using var app = await StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => app.AsHost(async db =>
        {
            await db.Database.EnsureTenantRowLevelSecurityAsync();
            return true;
        })));

        Assert.Equal(3, await database.ScalarAsync(app.SharedConnectionString, "SELECT COUNT(*) FROM pg_policies WHERE policyname = 'tenantkit_tenant'"));
    }

    // A connection opened while one tenant is current keeps its session settings until it closes. The tests below
    // open it explicitly (OpenConnection, a transaction) for one tenant and run commands later while another tenant is
    // current, on each path by which a context can outlive the tenant (or host scope) it was opened for.

    /// <summary>The application's own context (resolved outside any tenant container) serves whoever is current at each query.</summary>
    private static ShopContext ApplicationContext(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<ShopContext>();

    private static Task<int> ForgeAlphasOrdersAsync(ShopContext db)
        => db.Database.ExecuteSqlRawAsync("UPDATE \"Orders\" SET \"Total\" = -1 WHERE \"TenantId\" = 'id-alpha'");

    [Fact]
    public async Task ApplicationContext_OpenedForOneTenant_ThenUsedForAnother_RunsEveryCommandAsTheCurrentTenant()
    {
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        var beta = await app.TenantAsync("beta");
        var before = await app.DumpAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = ApplicationContext(scope);

        using (app.Accessor.BeginTenantScope(alpha))
        {
            await db.Database.OpenConnectionAsync();
            Assert.Equal(["id-alpha", "id-alpha"], await RawTenantsAsync(db));
        }

        using (app.Accessor.BeginTenantScope(beta))
        {
            Assert.Equal(["id-beta", "id-beta", "id-beta"], await RawTenantsAsync(db));
            Assert.Equal(["id-beta", "id-beta", "id-beta"], await db.Orders.AsNoTracking().Select(o => o.TenantId).ToListAsync());
            Assert.Equal(0, await ForgeAlphasOrdersAsync(db));
        }

        using (app.Accessor.BeginTenantScope(alpha))
        {
            Assert.Equal(["id-alpha", "id-alpha"], await RawTenantsAsync(db));
        }

        Assert.Equal(System.Data.ConnectionState.Open, db.Database.GetDbConnection().State);
        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task ApplicationContext_OpenedForOneTenant_ThenUsedForAnother_SynchronousCommandsRunAsTheCurrentTenant()
    {
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        var beta = await app.TenantAsync("beta");
        await using var scope = app.Services.CreateAsyncScope();
        var db = ApplicationContext(scope);

        using (app.Accessor.BeginTenantScope(alpha))
        {
            db.Database.OpenConnection();
        }

        using (app.Accessor.BeginTenantScope(beta))
        {
            Assert.Equal(["id-beta", "id-beta", "id-beta"], db.Database.SqlQueryRaw<string>("SELECT \"TenantId\" AS \"Value\" FROM \"Orders\"").ToList());
            Assert.Equal(0, db.Database.ExecuteSqlRaw("UPDATE \"Orders\" SET \"Total\" = -1 WHERE \"TenantId\" = 'id-alpha'"));
        }
    }

    [Fact]
    public async Task PooledContext_RentedForOneTenant_UsedWhileServingAnother_ReadsAndChangesNothing()
    {
        await using var app = await StartAsync(pooled: true);
        var alpha = await app.TenantAsync("alpha");
        var beta = await app.TenantAsync("beta");
        var before = await app.DumpAsync();
        var factory = app.Services.GetRequiredService<IDbContextFactory<ShopContext>>();
        ShopContext db;
        using (app.Accessor.BeginTenantScope(alpha))
        {
            db = await factory.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            Assert.Equal(["id-alpha", "id-alpha"], await RawTenantsAsync(db));
        }

        await using (db)
        {
            using (app.Accessor.BeginTenantScope(beta))
            {
                Assert.Empty(await RawTenantsAsync(db));
                Assert.Equal(0, await ForgeAlphasOrdersAsync(db));
                await Assert.ThrowsAsync<CrossTenantAccessException>(() => db.Orders.ToListAsync());
            }
        }

        Assert.Equal(before, await app.DumpAsync());
    }

    // Pins what the pooled path relies on: EF Core closes a pooled context's connection when it goes back to the pool,
    // so the next renter's commands start from a fresh open.
    [Fact]
    public async Task PooledContext_ReturnedWithAnOpenConnection_RentedByAnotherTenant_ReadsOnlyThatTenantsRows()
    {
        await using var app = await StartAsync(pooled: true);
        var alpha = await app.TenantAsync("alpha");
        var beta = await app.TenantAsync("beta");
        var factory = app.Services.GetRequiredService<IDbContextFactory<ShopContext>>();
        ShopContext first;
        using (app.Accessor.BeginTenantScope(alpha))
        {
            await using var db = first = await factory.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            Assert.Equal(["id-alpha", "id-alpha"], await RawTenantsAsync(db));
        }

        using (app.Accessor.BeginTenantScope(beta))
        {
            await using var db = await factory.CreateDbContextAsync();
            Assert.Same(first, db);
            Assert.Equal(["id-beta", "id-beta", "id-beta"], await RawTenantsAsync(db));
        }
    }

    [Fact]
    public async Task HostContext_OpenedInAHostScope_UsedAfterItEnds_ReadsAndChangesNothing()
    {
        await using var app = await StartAsync();
        var beta = await app.TenantAsync("beta");
        var before = await app.DumpAsync();
        ShopContext db;
        using (app.Accessor.BeginHostScope())
        {
            db = await app.Services.GetRequiredService<IDbContextFactory<ShopContext>>().CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            Assert.Equal(5, (await RawTenantsAsync(db)).Count);
        }

        await using (db)
        {
            using (app.Accessor.BeginTenantScope(beta))
            {
                Assert.Empty(await RawTenantsAsync(db));
                Assert.Equal(0, await ForgeAlphasOrdersAsync(db));
                await Assert.ThrowsAsync<CrossTenantAccessException>(() => db.Orders.ToListAsync());
            }

            Assert.Empty(await RawTenantsAsync(db));
        }

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task ApplicationContext_TenantChangedInsideARolledBackTransaction_IsSetAgainAfterTheRollback()
    {
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        var beta = await app.TenantAsync("beta");
        await using var scope = app.Services.CreateAsyncScope();
        var db = ApplicationContext(scope);
        using (app.Accessor.BeginTenantScope(alpha))
        {
            await db.Database.OpenConnectionAsync();
        }

        using (app.Accessor.BeginTenantScope(beta))
        {
            // Set to beta inside the transaction; the rollback restores alpha in the session.
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                Assert.Equal(3, (await RawTenantsAsync(db)).Count);
                await transaction.RollbackAsync();
            }

            // Npgsql hands out the same DbTransaction object again.
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                Assert.Equal(["id-beta", "id-beta", "id-beta"], await RawTenantsAsync(db));
            }

            Assert.Equal(["id-beta", "id-beta", "id-beta"], await RawTenantsAsync(db));
            Assert.Equal(0, await ForgeAlphasOrdersAsync(db));
        }
    }

    [Fact]
    public async Task ApplicationContext_TenantChangedAfterASavepoint_IsSetAgainAfterRollingBackToIt()
    {
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        var beta = await app.TenantAsync("beta");
        await using var scope = app.Services.CreateAsyncScope();
        var db = ApplicationContext(scope);
        await using var transaction = await StartTransactionAsAlphaAsync();

        using (app.Accessor.BeginTenantScope(beta))
        {
            await transaction.CreateSavepointAsync("before_beta");
            Assert.Equal(3, (await RawTenantsAsync(db)).Count);
            await transaction.RollbackToSavepointAsync("before_beta");

            Assert.Equal(["id-beta", "id-beta", "id-beta"], await RawTenantsAsync(db));
            Assert.Equal(0, await ForgeAlphasOrdersAsync(db));
        }

        async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> StartTransactionAsAlphaAsync()
        {
            using (app.Accessor.BeginTenantScope(alpha))
            {
                return await db.Database.BeginTransactionAsync();
            }
        }
    }

    [Fact]
    public async Task ApplicationContext_OpenedInsideARolledBackTransactionScope_IsSetAgainAfterIt()
    {
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        await using var scope = app.Services.CreateAsyncScope();
        var db = ApplicationContext(scope);
        using (app.Accessor.BeginTenantScope(alpha))
        {
            // Opened (and so set) inside the ambient transaction: its rollback takes the settings back.
            using (new System.Transactions.TransactionScope(System.Transactions.TransactionScopeAsyncFlowOption.Enabled))
            {
                await db.Database.OpenConnectionAsync();
                Assert.Equal(2, (await RawTenantsAsync(db)).Count);
            }

            Assert.Equal(["id-alpha", "id-alpha"], await RawTenantsAsync(db));
        }
    }

    [Fact]
    public async Task RowLevelSecurity_WithNpgsqlMultiplexing_IsRefused()
    {
        await using var app = await StartAsync();
        var multiplexed = new NpgsqlConnectionStringBuilder(app.SharedConnectionString) { Multiplexing = true }.ToString();
        var services = new ServiceCollection().AddLogging();
        services.AddTenantKit(b => b.WithInMemoryStore(Tenants.Drafts("alpha")));
        services.AddTenantDbContext<ShopContext>((_, _, o) => o.UseNpgsql(multiplexed), k => k.UseRowLevelSecurity = true);
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => provider.GetRequiredService<ITenantExecutor>()
            .RunAsync("alpha", (sp, ct) => sp.GetRequiredService<ShopContext>().Orders.CountAsync(ct)));

        Assert.Contains("multiplexing", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RowLevelSecurityScript_MatchesTheSnapshot()
    {
        await using var app = await StartAsync();

        var script = await app.AsHost(db => Task.FromResult(db.Database.GenerateTenantRowLevelSecurityScript()));

        Snapshot.Match(script);
    }
}
