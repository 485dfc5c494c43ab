using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Isolation;

/// <summary>One pool shared by every tenant: a pooled context gets its tenant (and connection) when it is rented.</summary>
public abstract class PooledContextTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private async Task<TestApp> StartAsync(params TenantDraft[] tenants)
    {
        var app = await TestApp.StartAsync(database, tenants, b => b.ProvisionTenantDatabases<ShopContext>(), pooled: true);
        foreach (var (tenant, index) in tenants.Select((t, i) => (t, i)))
        {
            if (tenant.Properties?.ContainsKey(TenantDataOptions.IsolationProperty) != true || tenant.Properties[TenantDataOptions.IsolationProperty] != "SchemaPerTenant")
            {
                await app.SeedAsync([tenant.Identifier], orders: index + 1);
            }
        }

        return app;
    }

    private Dictionary<string, string> OwnDatabase(string purpose) => new()
    {
        [TenantDataOptions.IsolationProperty] = "DatabasePerTenant",
        [TenantDataOptions.ConnectionStringProperty] = database.NewDatabase(purpose),
    };

    [Fact]
    public async Task PooledContext_ReusedAcrossTenants_IsBoundToEachRentersTenantAndDatabase()
    {
        await using var app = await StartAsync(Tenants.Draft("alpha"), Tenants.Draft("beta"), Tenants.Draft("delta", OwnDatabase("delta")));
        var instances = new Dictionary<int, HashSet<string>>();

        for (var round = 0; round < 4; round++)
        {
            foreach (var (identifier, expected) in new[] { ("alpha", 1), ("delta", 3), ("beta", 2) })
            {
                var (instance, tenants) = await app.AsTenant(identifier, async db =>
                    (RuntimeHelpers.GetHashCode(db), await db.Orders.Select(o => o.TenantId).ToListAsync()));
                Assert.Equal(expected, tenants.Count);
                Assert.All(tenants, t => Assert.Equal($"id-{identifier}", t));
                (instances.TryGetValue(instance, out var served) ? served : instances[instance] = []).Add(identifier);
            }
        }

        // The pool handed the same context to different tenants: each rent re-bound it.
        Assert.Contains(instances.Values, served => served.Count > 1);
    }

    [Fact]
    public async Task PooledFactory_InATenantScope_RentsAContextForThatTenant()
    {
        await using var app = await StartAsync(Tenants.Draft("alpha"), Tenants.Draft("beta"));
        var factory = app.Services.GetRequiredService<IDbContextFactory<ShopContext>>();

        using (app.Accessor.BeginTenantScope(await app.TenantAsync("beta")))
        {
            await using var db = factory.CreateDbContext();
            Assert.Equal(["id-beta"], await db.Orders.Select(o => o.TenantId).Distinct().ToListAsync());
        }
    }

    [Fact]
    public async Task PooledFactory_InAHostScope_RentsAHostContext()
    {
        await using var app = await StartAsync(Tenants.Draft("alpha"), Tenants.Draft("beta"));

        Assert.Equal(3, await app.AsHost(db => db.Orders.CountAsync()));
    }

    [Fact]
    public async Task PooledFactory_WithNoTenantAndNoHostScope_Refuses()
    {
        await using var app = await StartAsync(Tenants.Draft("alpha"));

        Assert.Throws<TenantNotSetException>(() => app.Services.GetRequiredService<IDbContextFactory<ShopContext>>().CreateDbContext());
    }

    [Fact]
    public async Task PooledContext_ForASchemaPerTenantTenant_IsRefusedClearly()
    {
        await using var app = await StartAsync(Tenants.Draft("alpha"), Tenants.Draft("sigma", new Dictionary<string, string> { [TenantDataOptions.IsolationProperty] = "SchemaPerTenant" }));

        var error = await Assert.ThrowsAsync<TenantLoadException>(() => app.AsTenant("sigma", db => db.Orders.CountAsync()));

        var refusal = Assert.IsType<NotSupportedException>(error.InnerException!.InnerException);
        Assert.Contains("AddTenantDbContext", refusal.Message, StringComparison.Ordinal);
    }
}

public sealed class SqlitePooledContextTests(SqliteFixture database) : PooledContextTests<SqliteFixture>(database);

public sealed class PostgresPooledContextTests(PostgresFixture database) : PooledContextTests<PostgresFixture>(database);
