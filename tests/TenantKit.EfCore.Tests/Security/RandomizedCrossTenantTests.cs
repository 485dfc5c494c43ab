using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using TenantKit.EfCore.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TenantKit.EfCore.Tests.Security;

/// <summary>
/// Thousands of random operations by several tenants on shared tables (reads, finds by another tenant's key, forged
/// updates and deletes, Include, ExecuteUpdate, ExecuteDelete, FromSql, and raw SQL under row-level security on
/// PostgreSQL). Zero rows of another tenant are ever read or changed: every read is checked row by row, every
/// forbidden write must throw (or, for set-based writes, report 0 rows: see <see cref="ExpectZero"/>) and leave the
/// full host-scope dump exactly as it was, and every allowed write must leave the other tenants' rows as they were.
/// The seed is fixed, so a failure reproduces.
/// </summary>
public abstract class RandomizedCrossTenantTests<TFixture>(TFixture database, ITestOutputHelper output) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private const int Operations = 2000;
    private static readonly string[] Names = ["alpha", "beta", "gamma", "delta"];

    private sealed record Row(string Kind, int Id, string Tenant, string Text);

    [Fact]
    public async Task RandomOperations_NeverReadOrChangeAnotherTenantsRows()
    {
        var rowLevelSecurity = database.SupportsRowLevelSecurity;
        await using var app = await TestApp.StartAsync(database, Tenants.Drafts(Names), rowLevelSecurity: rowLevelSecurity);
        await app.SeedAsync(Names, orders: 4);
        var random = new Random(20_260_101);
        var rows = await DumpAsync(app);
        var counts = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();

        for (var step = 0; step < Operations; step++)
        {
            var me = Names[random.Next(Names.Length)];
            var mine = $"id-{me}";
            var other = rows.Where(r => r.Tenant != mine).ToList();
            var own = rows.Where(r => r.Tenant == mine).ToList();
            var victim = other[random.Next(other.Count)];
            var operation = random.Next(rowLevelSecurity ? 20 : 17);
            var name = Describe(operation);
            counts[name] = counts.GetValueOrDefault(name) + 1;
            var context = $"step {step}, {me}: {name} (victim {victim.Kind} {victim.Id} of {victim.Tenant})";

            if (IsForbidden(operation))
            {
                await ForbiddenAsync(app, me, operation, victim, own, random, context);
                var after = await DumpAsync(app);
                Assert.True(rows.SequenceEqual(after), $"{context}: the data changed.");
            }
            else if (IsRead(operation))
            {
                // A read changes nothing: it is checked row by row instead.
                await AllowedAsync(app, me, mine, operation, own, victim, random, context);
            }
            else
            {
                await AllowedAsync(app, me, mine, operation, own, victim, random, context);
                var after = await DumpAsync(app);
                Assert.True(
                    rows.Where(r => r.Tenant != mine).SequenceEqual(after.Where(r => r.Tenant != mine)),
                    $"{context}: another tenant's rows changed.");
                rows = after;
            }
        }

        output.WriteLine($"{Operations} operations on {database.Provider} in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}");
        Assert.Equal(rowLevelSecurity ? 20 : 17, counts.Count);
    }

    private static bool IsForbidden(int operation) => operation is >= 6 and <= 12 or 14 or 18 or 19;

    private static bool IsRead(int operation) => operation is <= 5 or 17;

    private static string Describe(int operation) => operation switch
    {
        0 => "query",
        1 => "query with Include",
        2 => "projection",
        3 => "find another tenant's key",
        4 => "FromSql",
        5 => "count and any",
        6 => "update another's row",
        7 => "update another's row claimed as own",
        8 => "delete another's row",
        9 => "delete another's row claimed as own",
        10 => "add a row for another tenant",
        11 => "ExecuteUpdate the tenant column",
        12 => "IgnoreQueryFilters",
        13 => "ExecuteUpdate own rows",
        14 => "ExecuteUpdate and ExecuteDelete by another's key",
        15 => "add and change own rows",
        16 => "ExecuteDelete an own line",
        17 => "raw SQL read",
        18 => "raw SQL update and delete of another's rows",
        _ => "raw SQL insert for another tenant",
    };

    private static async Task ForbiddenAsync(TestApp app, string me, int operation, Row victim, List<Row> own, Random random, string context)
    {
        var victimTenant = victim.Tenant;
        Exception? error = operation switch
        {
            6 => await Record(() => app.AsTenant(me, db =>
            {
                if (victim.Kind == "order")
                {
                    db.Orders.Update(new Order { Id = victim.Id, TenantId = victimTenant, Number = "forged", Total = -1 });
                }
                else
                {
                    Attach(db, victim, victimTenant).State = EntityState.Modified;
                }

                return db.SaveChangesAsync();
            })),
            7 => await Record(() => app.AsTenant(me, db =>
            {
                if (victim.Kind == "order")
                {
                    db.Orders.Update(new Order { Id = victim.Id, TenantId = $"id-{me}", Number = "forged", Total = -1 });
                }
                else
                {
                    Attach(db, victim, $"id-{me}").State = EntityState.Modified;
                }

                return db.SaveChangesAsync();
            })),
            8 => await Record(() => app.AsTenant(me, db =>
            {
                Attach(db, victim, victimTenant).State = EntityState.Deleted;
                return db.SaveChangesAsync();
            })),
            9 => await Record(() => app.AsTenant(me, db =>
            {
                Attach(db, victim, $"id-{me}").State = EntityState.Deleted;
                return db.SaveChangesAsync();
            })),
            10 => await Record(() => app.AsTenant(me, db =>
            {
                db.Orders.Add(new Order { Number = $"n{random.Next()}", TenantId = victimTenant });
                return db.SaveChangesAsync();
            })),
            11 => await Record(() => app.AsTenant(me, db => db.Orders.ExecuteUpdateAsync(s => s.SetProperty(o => o.TenantId, victimTenant)))),
            12 => await Record(() => app.AsTenant(me, db => db.Orders.IgnoreQueryFilters().Where(o => o.Id == victim.Id).ToListAsync())),
            14 => await ExpectZero(context, await app.AsTenant(me, async db => victim.Kind switch
            {
                "order" => await db.Orders.Where(o => o.Id == victim.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Total, -1)),
                "line" => await db.Lines.Where(l => l.Id == victim.Id).ExecuteDeleteAsync(),
                _ => await db.Customers.Where(c => c.Id == victim.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, "forged")),
            })),
            18 => await ExpectZero(context, await app.AsTenant(me, async db => victim.Kind switch
            {
                "order" => await db.Database.ExecuteSqlRawAsync("UPDATE \"Orders\" SET \"Total\" = -1 WHERE \"Id\" = {0}", victim.Id),
                "line" => await db.Database.ExecuteSqlRawAsync("DELETE FROM \"Lines\" WHERE \"Id\" = {0}", victim.Id),
                _ => await db.Database.ExecuteSqlRawAsync("UPDATE \"Customers\" SET \"Name\" = 'forged' WHERE \"TenantId\" = {0}", victimTenant),
            })),
            _ => await Record(() => app.AsTenant(me, db =>
                db.Database.ExecuteSqlRawAsync("INSERT INTO \"Orders\" (\"TenantId\", \"Number\", \"Total\") VALUES ({0}, 'forged', 1)", victimTenant))),
        };

        if (operation is not (14 or 18))
        {
            Assert.True(error is not null, $"{context}: no exception.");
            var expected = operation switch
            {
                7 or 9 => error is DbUpdateConcurrencyException,
                19 => error is Npgsql.PostgresException { SqlState: "42501" },
                _ => error is CrossTenantAccessException,
            };
            Assert.True(expected, $"{context}: unexpected {error!.GetType().Name}: {error.Message}");
        }

        _ = own;
    }

    private static async Task AllowedAsync(TestApp app, string me, string mine, int operation, List<Row> own, Row victim, Random random, string context)
    {
        switch (operation)
        {
            case 0:
                AssertMine(mine, await app.AsTenant(me, db => db.Orders.Select(o => o.TenantId).ToListAsync()), context);
                break;
            case 1:
                var orders = await app.AsTenant(me, db => db.Orders.Include(o => o.Lines).Include(o => o.Customer).AsNoTracking().ToListAsync());
                AssertMine(mine, orders.Select(o => o.TenantId), context);
                Assert.True(orders.SelectMany(o => o.Lines).All(l => own.Any(r => r.Kind == "line" && r.Id == l.Id)), $"{context}: a line of another tenant was included.");
                Assert.True(orders.Where(o => o.Customer is not null).All(o => own.Any(r => r.Kind == "customer" && r.Id == o.Customer!.Id)), $"{context}: a customer of another tenant was included.");
                break;
            case 2:
                var projected = await app.AsTenant(me, db => db.Lines.Select(l => new { l.Id, Tenant = EF.Property<string>(l, "TenantId") }).ToListAsync());
                AssertMine(mine, projected.Select(p => p.Tenant), context);
                Assert.Equal(own.Count(r => r.Kind == "line"), projected.Count);
                break;
            case 3:
                var found = await app.AsTenant(me, async db => victim.Kind switch
                {
                    "order" => (object?)await db.Orders.FindAsync(victim.Id),
                    "line" => await db.Lines.FindAsync(victim.Id),
                    _ => await db.Customers.FindAsync(victim.Id),
                });
                Assert.True(found is null, $"{context}: found another tenant's row.");
                break;
            case 4:
                AssertMine(mine, await app.AsTenant(me, db => db.Orders.FromSqlRaw("SELECT * FROM \"Orders\"").Select(o => o.TenantId).ToListAsync()), context);
                break;
            case 5:
                var (count, any) = await app.AsTenant(me, async db => (await db.Customers.CountAsync(), victim.Kind switch
                {
                    "order" => await db.Orders.AnyAsync(o => o.Id == victim.Id),
                    "line" => await db.Lines.AnyAsync(l => l.Id == victim.Id),
                    _ => await db.Customers.AnyAsync(c => c.Id == victim.Id),
                }));
                Assert.Equal(own.Count(r => r.Kind == "customer"), count);
                Assert.False(any, $"{context}: saw another tenant's row.");
                break;
            case 13:
                var total = random.Next(1, 1000);
                var updated = await app.AsTenant(me, db => db.Orders.ExecuteUpdateAsync(s => s.SetProperty(o => o.Total, total)));
                Assert.Equal(own.Count(r => r.Kind == "order"), updated);
                break;
            case 15:
                await app.AsTenant(me, async db =>
                {
                    db.Orders.Add(new Order { Number = $"n{random.Next()}", Total = 1, Lines = [new OrderLine { Product = "p", Quantity = 1 }] });
                    if (await db.Orders.OrderBy(o => o.Id).FirstOrDefaultAsync() is { } first)
                    {
                        first.Total += 1;
                    }

                    return await db.SaveChangesAsync();
                });
                break;
            case 16:
                var line = own.Where(r => r.Kind == "line").Select(r => (int?)r.Id).FirstOrDefault();
                var removed = await app.AsTenant(me, db => db.Lines.Where(l => l.Id == line).ExecuteDeleteAsync());
                Assert.Equal(line is null ? 0 : 1, removed);
                break;
            default:
                AssertMine(mine, await app.AsTenant(me, db => db.Database.SqlQueryRaw<string>("SELECT \"TenantId\" AS \"Value\" FROM \"Lines\"").ToListAsync()), context);
                break;
        }
    }

    private static Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry Attach(ShopContext db, Row row, string tenant)
    {
        object entity = row.Kind switch
        {
            "order" => new Order { Id = row.Id, TenantId = tenant, Number = "forged" },
            "line" => new OrderLine { Id = row.Id, Product = "forged" },
            _ => new Customer { Id = row.Id, Email = "forged" },
        };
        var entry = db.Attach(entity);
        entry.Property("TenantId").OriginalValue = tenant;
        entry.Property("TenantId").CurrentValue = tenant;
        return entry;
    }

    private static void AssertMine(string mine, IEnumerable<string> tenants, string context)
    {
        foreach (var tenant in tenants)
        {
            Assert.True(tenant == mine, $"{context}: read a row of {tenant}.");
        }
    }

    /// <summary>
    /// A set-based write aimed at another tenant's rows (<c>ExecuteUpdate</c>/<c>ExecuteDelete</c> by its key, raw SQL
    /// <c>UPDATE</c>/<c>DELETE</c> under row-level security) finds no row, because to this tenant those rows do not
    /// exist: it reports 0 rows and throws nothing. That is the secure outcome, by design: an exception would tell the
    /// caller that the key exists in another tenant. The caller then checks that the data is exactly as it was.
    /// </summary>
    private static Task<Exception?> ExpectZero(string context, int touched)
    {
        Assert.True(touched == 0, $"{context}: raw SQL touched {touched} rows of another tenant.");
        return Task.FromResult<Exception?>(null);
    }

    private static async Task<Exception?> Record(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static async Task<List<Row>> DumpAsync(TestApp app)
        => (await app.DumpAsync()).Select(line => line.Split(' ', 4)).Select(p => new Row(p[0], int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), p[2], p.Length > 3 ? p[3] : string.Empty)).ToList();
}

public sealed class SqliteRandomizedCrossTenantTests(SqliteFixture database, ITestOutputHelper output) : RandomizedCrossTenantTests<SqliteFixture>(database, output);

public sealed class PostgresRandomizedCrossTenantTests(PostgresFixture database, ITestOutputHelper output) : RandomizedCrossTenantTests<PostgresFixture>(database, output);
