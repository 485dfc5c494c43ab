using Microsoft.EntityFrameworkCore;
using Snapshooter;
using Snapshooter.Xunit;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Filters;

/// <summary>The SQL the tenant filter produces, per provider: one parameter compared with the tenant column, nothing for the host.</summary>
public abstract class GeneratedSqlTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    [Fact]
    public async Task TenantAndHostQueries_ProduceTheExpectedSql()
    {
        await using var app = await TestApp.StartAsync(database, Tenants.Drafts("alpha"));
        app.Sql.Clear();

        await app.AsTenant("alpha", async db =>
        {
            await db.Orders.Where(o => o.Total > 5).ToListAsync();
            await db.Orders.Include(o => o.Lines).ToListAsync();
            await db.Lines.Where(l => l.Quantity > 1).ExecuteDeleteAsync();
        });
        await app.AsHost(db => db.Orders.Where(o => o.Total > 5).ToListAsync());

        Snapshot.Match(string.Join("\n----\n", app.Sql.Commands), SnapshotNameExtension.Create(database.Provider));
    }
}

public sealed class SqliteGeneratedSqlTests(SqliteFixture database) : GeneratedSqlTests<SqliteFixture>(database);

public sealed class PostgresGeneratedSqlTests(PostgresFixture database) : GeneratedSqlTests<PostgresFixture>(database);
