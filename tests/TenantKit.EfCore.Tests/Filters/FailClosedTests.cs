using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Filters;

/// <summary>With no tenant and no host scope, tenant-owned data is neither read nor written: every path throws.</summary>
public abstract class FailClosedTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private async Task<TestApp> StartAsync()
    {
        var app = await TestApp.StartAsync(database, Tenants.Drafts("alpha", "beta"));
        await app.SeedAsync(["alpha", "beta"]);
        return app;
    }

    public static TheoryData<string> Reads => ["ToList", "Count", "Any", "Find", "Include", "FromSql", "Projection", "ExecuteDelete", "ExecuteUpdate"];

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task TenantOwnedQuery_WithNoTenantAndNoHostScope_ThrowsTenantNotSet(string read)
    {
        await using var app = await StartAsync();
        var before = await app.DumpAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();

        Func<Task> run = read switch
        {
            "ToList" => () => db.Orders.ToListAsync(),
            "Count" => () => db.Lines.CountAsync(),
            "Any" => () => db.Customers.AnyAsync(),
            "Find" => async () => await db.Orders.FindAsync(1),
            "Include" => () => db.Orders.Include(o => o.Lines).ToListAsync(),
            "FromSql" => () => db.Orders.FromSqlRaw("SELECT * FROM \"Orders\"").ToListAsync(),
            "Projection" => () => db.Orders.Select(o => new { o.Number, Lines = o.Lines.Count }).ToListAsync(),
            "ExecuteDelete" => () => db.Lines.ExecuteDeleteAsync(),
            _ => () => db.Orders.ExecuteUpdateAsync(s => s.SetProperty(o => o.Total, 0)),
        };

        var error = await Assert.ThrowsAsync<TenantNotSetException>(run);
        Assert.Contains("no current tenant and no host scope", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task SaveChanges_WithNoTenantAndNoHostScope_ThrowsAndSavesNothing()
    {
        await using var app = await StartAsync();
        var before = await app.DumpAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        db.Orders.Add(new Order { Number = "9999", Total = 1 });

        await Assert.ThrowsAsync<TenantNotSetException>(() => db.SaveChangesAsync());

        Assert.Equal(before, await app.DumpAsync());
    }

    [Fact]
    public async Task DbContextFactory_WithNoTenantAndNoHostScope_RefusesToCreateAContext()
    {
        await using var app = await StartAsync();
        var factory = app.Services.GetRequiredService<IDbContextFactory<ShopContext>>();

        Assert.Throws<TenantNotSetException>(() => factory.CreateDbContext());
    }

    [Fact]
    public async Task SharedEntity_WithNoTenant_IsReadable()
    {
        await using var app = await StartAsync();
        await app.AsHost(async db =>
        {
            db.Products.Add(new Product { Code = "P-1" });
            return await db.SaveChangesAsync();
        });
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();

        Assert.Equal(["P-1"], await db.Products.Select(p => p.Code).ToListAsync());
    }

    [Fact]
    public async Task ContextOfOneTenant_UsedWhileServingAnother_ThrowsCrossTenantAccess()
    {
        await using var app = await StartAsync();
        var beta = await app.TenantAsync("beta");

        var error = await Assert.ThrowsAsync<CrossTenantAccessException>(() => app.AsTenant("alpha", async alphaDb =>
        {
            using (app.Accessor.BeginTenantScope(beta))
            {
                return await alphaDb.Orders.ToListAsync();
            }
        }));

        Assert.Contains("'alpha'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostContext_UsedAfterTheHostScopeEnded_Throws()
    {
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        ShopContext db;
        using (app.Accessor.BeginHostScope())
        {
            db = app.Services.GetRequiredService<IDbContextFactory<ShopContext>>().CreateDbContext();
            Assert.Equal(6, await db.Orders.CountAsync());
        }

        await using (db)
        {
            await Assert.ThrowsAsync<TenantNotSetException>(() => db.Orders.CountAsync());
            using (app.Accessor.BeginTenantScope(alpha))
            {
                await Assert.ThrowsAsync<CrossTenantAccessException>(() => db.Orders.CountAsync());
            }
        }
    }

    [Fact]
    public async Task ContextFirstUsedForATenant_CannotBeWidenedByAHostScope()
    {
        await using var app = await StartAsync();
        var alpha = await app.TenantAsync("alpha");
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        using (app.Accessor.BeginTenantScope(alpha))
        {
            Assert.Equal(3, await db.Orders.CountAsync());
        }

        using (app.Accessor.BeginHostScope())
        {
            await Assert.ThrowsAsync<TenantNotSetException>(() => db.Orders.CountAsync());
        }
    }
}

public sealed class SqliteFailClosedTests(SqliteFixture database) : FailClosedTests<SqliteFixture>(database);

public sealed class PostgresFailClosedTests(PostgresFixture database) : FailClosedTests<PostgresFixture>(database);
