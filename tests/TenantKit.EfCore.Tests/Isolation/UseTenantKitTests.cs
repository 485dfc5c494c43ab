using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Isolation;

/// <summary>A context registered by hand with <c>AddDbContext(... UseTenantKit(sp))</c> is enforced the same way.</summary>
public abstract class UseTenantKitTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    [Fact]
    public async Task HandRegisteredContext_InTenantContainersAndInTheApplication_IsFilteredAndFailsClosed()
    {
        var shared = database.NewDatabase("manual");
        var services = new ServiceCollection().AddLogging();
        services.AddTenantKit(b => b.WithInMemoryStore(Tenants.Drafts("alpha", "beta")));
        services.AddDbContext<ShopContext>((sp, o) => database.Configure(o.UseTenantKit(sp), shared));
        await using var provider = services.BuildServiceProvider();
        var accessor = provider.GetRequiredService<ITenantContextAccessor>();
        var executor = provider.GetRequiredService<ITenantExecutor>();
        using (accessor.BeginHostScope())
        {
            await using var scope = provider.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ShopContext>().Database.EnsureTenantTablesAsync();
        }

        foreach (var tenant in new[] { "alpha", "beta", "beta" })
        {
            await executor.RunAsync(tenant, async (sp, ct) =>
            {
                var db = sp.GetRequiredService<ShopContext>();
                db.Orders.Add(new Order { Number = Guid.NewGuid().ToString("N") });
                await db.SaveChangesAsync(ct);
            });
        }

        var beta = await executor.RunAsync("beta", (sp, ct) => sp.GetRequiredService<ShopContext>().Orders.Select(o => o.TenantId).ToListAsync(ct));
        Assert.Equal(["id-beta", "id-beta"], beta);
        await using (var scope = provider.CreateAsyncScope())
        {
            await Assert.ThrowsAsync<TenantNotSetException>(() => scope.ServiceProvider.GetRequiredService<ShopContext>().Orders.ToListAsync());
        }
    }
}

public sealed class SqliteUseTenantKitTests(SqliteFixture database) : UseTenantKitTests<SqliteFixture>(database);

public sealed class PostgresUseTenantKitTests(PostgresFixture database) : UseTenantKitTests<PostgresFixture>(database);
