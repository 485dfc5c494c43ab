using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Security;

/// <summary>
/// Many tenants at once, on pooled and non-pooled contexts: no context, pooled rent, cached option set or ambient
/// context ever serves one tenant's request with another's rows.
/// </summary>
public abstract class ConcurrentTenantsTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private static readonly string[] Names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ParallelRequests_OfManyTenants_EachSeeOnlyTheirOwnRows(bool pooled)
    {
        await using var app = await TestApp.StartAsync(database, Tenants.Drafts(Names), pooled: pooled, rowLevelSecurity: database.SupportsRowLevelSecurity);
        await app.SeedAsync(Names, orders: 2);
        var factory = app.Services.GetRequiredService<IDbContextFactory<ShopContext>>();
        var tenants = new Dictionary<string, TenantInfo>();
        foreach (var name in Names)
        {
            tenants[name] = await app.TenantAsync(name);
        }

        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 60; i++)
            {
                var name = Names[random.Next(Names.Length)];
                List<string> seen;
                if (random.Next(2) == 0)
                {
                    // Through the tenant's container, as a request.
                    seen = await app.AsTenant(name, async db =>
                    {
                        if (random.Next(4) == 0)
                        {
                            db.Orders.Add(new Order { Number = $"w{worker}-{i}" });
                            await db.SaveChangesAsync();
                        }

                        return await db.Orders.Include(o => o.Lines).Select(o => o.TenantId).ToListAsync();
                    });
                }
                else
                {
                    // Through the application's factory in an ambient tenant scope, as background work.
                    using (app.Accessor.BeginTenantScope(tenants[name]))
                    {
                        await using var db = await factory.CreateDbContextAsync();
                        seen = await db.Orders.Select(o => o.TenantId).ToListAsync();
                    }
                }

                Assert.NotEmpty(seen);
                Assert.All(seen, t => Assert.Equal($"id-{name}", t));
            }
        }));

        await Task.WhenAll(workers);

        var byTenant = await app.AsHost(db => db.Orders.GroupBy(o => o.TenantId).Select(g => g.Key).ToListAsync());
        Assert.Equal(Names.Length, byTenant.Count);
    }
}

public sealed class SqliteConcurrentTenantsTests(SqliteFixture database) : ConcurrentTenantsTests<SqliteFixture>(database);

public sealed class PostgresConcurrentTenantsTests(PostgresFixture database) : ConcurrentTenantsTests<PostgresFixture>(database);
