using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace TenantKit.Redis.Tests.Caching;

/// <summary>
/// Microsoft.Extensions.Caching.StackExchangeRedis on a real redis-server: tenants share one Redis and one key space,
/// and each tenant's entries land under its own prefix.
/// </summary>
public sealed class RedisDistributedCacheTests : IAsyncLifetime
{
    private const string InstanceName = "app:";
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task SetString_SameKeyInTwoTenants_LandsUnderEachTenantsPrefixInRedis()
    {
        await using var services = Build();
        var host = services.GetRequiredService<IDistributedCache>();
        await using (var acme = await LeaseAsync(services, "acme"))
        await using (var globex = await LeaseAsync(services, "globex"))
        {
            var view = acme.Services.GetRequiredService<IDistributedCache>();
            // RedisCache offers the buffer API HybridCache uses; the tenant's view keeps it.
            Assert.IsAssignableFrom<IBufferDistributedCache>(host);
            Assert.IsAssignableFrom<IBufferDistributedCache>(view);
            await view.SetStringAsync("product:1", "acme's");
            await globex.Services.GetRequiredService<IDistributedCache>().SetStringAsync("product:1", "globex's");

            Assert.Equal("acme's", await view.GetStringAsync("product:1"));
            Assert.Equal("globex's", await globex.Services.GetRequiredService<IDistributedCache>().GetStringAsync("product:1"));
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: "*").Select(k => (string)k!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["app:tenant:acme:product:1", "app:tenant:globex:product:1"], keys);
        Assert.Null(await host.GetStringAsync("product:1"));
    }

    [Fact]
    public async Task TwoNodes_SameTenantSharesItsEntries_AnotherTenantDoesNot()
    {
        // What a distributed cache is for: one tenant served by several nodes reads what any of them cached.
        await using var node1 = Build();
        await using var node2 = Build();
        await using (var acme = await LeaseAsync(node1, "acme"))
        {
            await acme.Services.GetRequiredService<IDistributedCache>().SetStringAsync("product:1", "acme's");
        }

        await using var acmeOnNode2 = await LeaseAsync(node2, "acme");
        await using var globexOnNode2 = await LeaseAsync(node2, "globex");

        Assert.Equal("acme's", await acmeOnNode2.Services.GetRequiredService<IDistributedCache>().GetStringAsync("product:1"));
        Assert.Null(await globexOnNode2.Services.GetRequiredService<IDistributedCache>().GetStringAsync("product:1"));
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddStackExchangeRedisCache(o =>
        {
            o.Configuration = _redis.Configuration;
            o.InstanceName = InstanceName;
        });
        services.AddTenantKit(b => b.WithInMemoryStore(
            new TenantDraft("acme") { Id = "acme" },
            new TenantDraft("globex") { Id = "globex" }));
        return services.BuildServiceProvider();
    }

    private static async Task<TenantLease> LeaseAsync(IServiceProvider services, string id)
    {
        var tenant = await services.GetRequiredService<ITenantStore>().FindByIdAsync(id);
        return await services.GetRequiredService<ITenantRuntime>().AcquireAsync(tenant!);
    }
}
