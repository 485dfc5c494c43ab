using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Tests.Runtime;

namespace TenantKit.Tests.Caching;

/// <summary>
/// HybridCache (the real Microsoft.Extensions.Caching.Hybrid) is built per tenant: its L1 is the tenant's own memory
/// cache, its L2 the tenant's prefixed view of the host's distributed cache, and its tag invalidations the tenant's.
/// </summary>
public class HybridCacheIsolationTests
{
    private static readonly string[] Products = ["products"];

    [Fact]
    public async Task GetOrCreateAsync_SameKeyInTwoTenants_RunsTheFactoryOncePerTenant()
    {
        await using var h = Harness(s => s.AddDistributedMemoryCache());
        var calls = new Calls();

        var firstA = await GetAsync(h, "a", calls);
        var firstB = await GetAsync(h, "b", calls);
        var secondA = await GetAsync(h, "a", calls);
        var secondB = await GetAsync(h, "b", calls);

        Assert.Equal(("value-a-1", "value-b-1"), (firstA, firstB));
        Assert.Equal(("value-a-1", "value-b-1"), (secondA, secondB));
        Assert.Equal((1, 1), (calls.For("a"), calls.For("b")));
    }

    [Fact]
    public async Task HybridCache_IsBuiltPerTenant_OverTheTenantsOwnCaches()
    {
        await using var h = Harness(s => s.AddDistributedMemoryCache());
        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        var cacheA = a.Services.GetRequiredService<HybridCache>();

        Assert.NotSame(h.Services.GetRequiredService<HybridCache>(), cacheA);
        Assert.NotSame(cacheA, b.Services.GetRequiredService<HybridCache>());
        Assert.Same(cacheA, a.Services.GetRequiredService<HybridCache>());
    }

    [Fact]
    public async Task KeyedHybridCache_IsBuiltPerTenant_OverTheTenantsPrefixedL2()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s => s
            .AddSingleton<IDistributedCache, RecordingCache>()
            .AddKeyedHybridCache("catalog"));
        var l2 = (RecordingCache)h.Services.GetRequiredService<IDistributedCache>();
        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        var cacheA = a.Services.GetRequiredKeyedService<HybridCache>("catalog");
        await cacheA.SetAsync("product:1", "from a");

        Assert.NotSame(cacheA, b.Services.GetRequiredKeyedService<HybridCache>("catalog"));
        Assert.Contains("tenant:a:product:1", l2.Entries.Keys);
    }

    [Fact]
    public async Task GetOrCreateAsync_WritesL2UnderTheTenantsPrefix_NeverTheBareKey()
    {
        await using var h = Harness(s => s.AddSingleton<IDistributedCache, RecordingCache>());
        var l2 = (RecordingCache)h.Services.GetRequiredService<IDistributedCache>();

        await GetAsync(h, "a", new Calls());
        await GetAsync(h, "b", new Calls());

        Assert.Contains("tenant:a:product:1", l2.Entries.Keys);
        Assert.Contains("tenant:b:product:1", l2.Entries.Keys);
        Assert.All(l2.Calls, call => Assert.StartsWith("tenant:", call.Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetOrCreateAsync_OverTheInProcessDistributedCache_UsesItAsL2UnderTheTenantsPrefix()
    {
        // The documented difference: HybridCache skips a bare MemoryDistributedCache as its L2, but a tenant's sees the
        // prefixing view and uses it.
        await using var h = Harness(s => s.AddDistributedMemoryCache());
        var host = h.Services.GetRequiredService<IDistributedCache>();

        await GetAsync(h, "a", new Calls());

        Assert.NotNull(await host.GetAsync("tenant:a:product:1"));
        Assert.Null(await host.GetAsync("product:1"));
    }

    [Fact]
    public async Task GetOrCreateAsync_OverABufferCapableL2_UsesTheBufferApiUnderTheTenantsPrefix()
    {
        await using var h = Harness(s => s.AddSingleton<IDistributedCache, RecordingBufferCache>());
        var l2 = (RecordingCache)h.Services.GetRequiredService<IDistributedCache>();

        await GetAsync(h, "a", new Calls());

        Assert.Contains(("BufferSetAsync", "tenant:a:product:1"), l2.Calls);
        Assert.DoesNotContain(l2.Calls, call => call.Operation is "Set" or "SetAsync");
    }

    [Fact]
    public async Task GetOrCreateAsync_AfterTheTenantReloads_IsServedFromItsOwnL2()
    {
        await using var h = Harness(s => s.AddSingleton<IDistributedCache, RecordingBufferCache>());
        var calls = new Calls();
        await GetAsync(h, "a", calls);
        await GetAsync(h, "b", calls);

        await UnloadAsync(h, "a");
        var again = await GetAsync(h, "a", calls);

        Assert.Equal("value-a-1", again);
        Assert.Equal(1, calls.For("a"));
    }

    [Fact]
    public async Task RemoveByTagAsync_InOneTenant_LeavesTheOthersEntries()
    {
        await using var h = Harness(s => s.AddSingleton<IDistributedCache, RecordingBufferCache>());
        var calls = new Calls();
        await CacheInBothThenRemoveTagInAsync(h, calls, "a");

        h.Time.Advance(TimeSpan.FromSeconds(1));
        var afterA = await GetAsync(h, "a", calls);
        var afterB = await GetAsync(h, "b", calls);

        Assert.Equal(("value-a-2", "value-b-1"), (afterA, afterB));
        Assert.Equal((2, 1), (calls.For("a"), calls.For("b")));
    }

    [Fact]
    public async Task RemoveByTagAsync_InOneTenant_IsNotSeenThroughL2ByTheOther()
    {
        // A fresh HybridCache (the tenant reloaded: empty L1, no tag times in memory) reads tag invalidations from L2,
        // where each tenant's are under its own prefix.
        await using var h = Harness(s => s.AddSingleton<IDistributedCache, RecordingBufferCache>());
        var l2 = (RecordingCache)h.Services.GetRequiredService<IDistributedCache>();
        var calls = new Calls();
        await CacheInBothThenRemoveTagInAsync(h, calls, "a");

        await UnloadAsync(h, "b");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var afterB = await GetAsync(h, "b", calls);

        Assert.Equal("value-b-1", afterB);
        Assert.Equal(1, calls.For("b"));
        var tagWrites = l2.Calls.Where(c => c.Operation.Contains("Set", StringComparison.Ordinal) && c.Key.Contains("products", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(tagWrites);
        Assert.All(tagWrites, c => Assert.StartsWith("tenant:a:", c.Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RemoveByTagAsync_InTheHost_LeavesTenantsEntries()
    {
        await using var h = Harness(s => s.AddSingleton<IDistributedCache, RecordingBufferCache>());
        var calls = new Calls();
        await GetAsync(h, "a", calls);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        await h.Services.GetRequiredService<HybridCache>().RemoveByTagAsync("products");
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("value-a-1", await GetAsync(h, "a", calls));
        Assert.Equal(1, calls.For("a"));
    }

    [Fact]
    public async Task HostSingletonTakingHybridCache_FailsStartUp()
    {
        await using var h = Harness(s => s.AddDistributedMemoryCache().AddSingleton<CatalogService>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("Host singleton 'CatalogService' depends on 'HybridCache', which every tenant must get its own (CatalogService -> HybridCache).", ex.Message, StringComparison.Ordinal);
    }

    private static RuntimeHarness Harness(Action<IServiceCollection> services)
        => RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s =>
        {
            services(s);
            s.AddHybridCache();
        });

    private static async Task<string> GetAsync(RuntimeHarness h, string tenant, Calls calls)
    {
        await using var lease = await h.AcquireAsync(tenant);
        var cache = lease.Services.GetRequiredService<HybridCache>();
        return await cache.GetOrCreateAsync(
            "product:1",
            _ => ValueTask.FromResult($"value-{tenant}-{calls.Add(tenant)}"),
            tags: Products);
    }

    /// <summary>Tenants a and b each cache their item; a second later, <paramref name="tenant"/> removes the "products" tag.</summary>
    private static async Task CacheInBothThenRemoveTagInAsync(RuntimeHarness h, Calls calls, string tenant)
    {
        await GetAsync(h, "a", calls);
        await GetAsync(h, "b", calls);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await using var lease = await h.AcquireAsync(tenant);
        await lease.Services.GetRequiredService<HybridCache>().RemoveByTagAsync("products");
    }

    private static async Task UnloadAsync(RuntimeHarness h, string tenant)
    {
        var probe = h.Probes.For(tenant)[^1];
        using (h.HostScope())
        {
            Assert.True(h.Runtime.Unload(tenant));
        }

        await probe.WaitDisposedAsync();
    }

    private sealed class Calls
    {
        private readonly Dictionary<string, int> _counts = [];

        public int Add(string tenant)
        {
            lock (_counts)
            {
                return _counts[tenant] = For(tenant) + 1;
            }
        }

        public int For(string tenant)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(tenant);
            }
        }
    }

    private sealed class CatalogService(HybridCache cache)
    {
        public HybridCache Cache { get; } = cache;
    }
}
