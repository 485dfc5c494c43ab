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
