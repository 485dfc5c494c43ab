using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Caching;
using TenantKit.Tests.Runtime;

namespace TenantKit.Tests.Caching;

/// <summary>
/// The host's <see cref="IDistributedCache"/> is one cache (one Redis, one table) that every tenant reaches: inside a
/// tenant it is a view that prefixes every key with the tenant, so no tenant reads another's entries.
/// </summary>
public class DistributedCacheIsolationTests
{
    private static readonly DistributedCacheEntryOptions NoExpiry = new();

    [Fact]
    public async Task SetString_SameKeyInTwoTenants_EachReadsItsOwnValue()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s => s.AddDistributedMemoryCache());
        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");
        var cacheA = a.Services.GetRequiredService<IDistributedCache>();
        var cacheB = b.Services.GetRequiredService<IDistributedCache>();

        await cacheA.SetStringAsync("product:1", "from a");
        await cacheB.SetStringAsync("product:1", "from b");

        Assert.Equal("from a", await cacheA.GetStringAsync("product:1"));
        Assert.Equal("from b", await cacheB.GetStringAsync("product:1"));
    }

    [Fact]
    public async Task Remove_InOneTenant_LeavesTheOthersEntry()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s => s.AddDistributedMemoryCache());
        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");
        var cacheA = a.Services.GetRequiredService<IDistributedCache>();
        var cacheB = b.Services.GetRequiredService<IDistributedCache>();
        cacheA.SetString("product:1", "from a");
        cacheB.SetString("product:1", "from b");

        cacheA.Remove("product:1");

        Assert.Null(cacheA.GetString("product:1"));
        Assert.Equal("from b", cacheB.GetString("product:1"));
    }

    [Fact]
    public async Task HostCache_SeesNoTenantsEntryUnderTheBareKey_ButFindsItUnderTheTenantsPrefix()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s => s.AddDistributedMemoryCache());
        var host = h.Services.GetRequiredService<IDistributedCache>();
        await using (var a = await h.AcquireAsync("a"))
        {
            a.Services.GetRequiredService<IDistributedCache>().SetString("product:1", "from a");
        }

        await using (var b = await h.AcquireAsync("b"))
        {
            b.Services.GetRequiredService<IDistributedCache>().SetString("product:1", "from b");
        }

        Assert.Null(host.GetString("product:1"));
        Assert.Equal("from a", host.GetString("tenant:a:product:1"));
        Assert.Equal("from b", host.GetString("tenant:b:product:1"));
    }

    [Fact]
    public async Task HostEntry_IsNotSeenByATenant()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddDistributedMemoryCache());
        h.Services.GetRequiredService<IDistributedCache>().SetString("product:1", "from the host");

        await using var a = await h.AcquireAsync("a");

        Assert.Null(a.Services.GetRequiredService<IDistributedCache>().GetString("product:1"));
    }

    [Theory]
    [InlineData("Get")]
    [InlineData("GetAsync")]
    [InlineData("Set")]
    [InlineData("SetAsync")]
    [InlineData("Refresh")]
    [InlineData("RefreshAsync")]
    [InlineData("Remove")]
    [InlineData("RemoveAsync")]
    public async Task EveryOperation_ReachesTheHostsCacheUnderTheTenantsPrefix(string operation)
    {
        var inner = new RecordingCache();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton<IDistributedCache>(_ => inner));
        await using var a = await h.AcquireAsync("a");
        var cache = a.Services.GetRequiredService<IDistributedCache>();

        await (operation switch
        {
            "Get" => Run(() => cache.Get("k")),
            "GetAsync" => cache.GetAsync("k"),
            "Set" => Run(() => cache.Set("k", [1], NoExpiry)),
            "SetAsync" => cache.SetAsync("k", [1], NoExpiry),
            "Refresh" => Run(() => cache.Refresh("k")),
            "RefreshAsync" => cache.RefreshAsync("k"),
            "Remove" => Run(() => cache.Remove("k")),
            "RemoveAsync" => cache.RemoveAsync("k"),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        });

        Assert.Equal([(operation, "tenant:a:k")], inner.Calls);
    }

    [Theory]
    [InlineData("BufferTryGet")]
    [InlineData("BufferTryGetAsync")]
    [InlineData("BufferSet")]
    [InlineData("BufferSetAsync")]
    public async Task EveryBufferOperation_ReachesTheHostsCacheUnderTheTenantsPrefix(string operation)
    {
        var inner = new RecordingBufferCache();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton<IDistributedCache>(_ => inner));
        await using var a = await h.AcquireAsync("a");
        var cache = Assert.IsAssignableFrom<IBufferDistributedCache>(a.Services.GetRequiredService<IDistributedCache>());
        var writer = new ArrayBufferWriter<byte>();

        await (operation switch
        {
            "BufferTryGet" => Run(() => cache.TryGet("k", writer)),
            "BufferTryGetAsync" => cache.TryGetAsync("k", writer).AsTask(),
            "BufferSet" => Run(() => cache.Set("k", new ReadOnlySequence<byte>([1]), NoExpiry)),
            "BufferSetAsync" => cache.SetAsync("k", new ReadOnlySequence<byte>([1]), NoExpiry).AsTask(),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        });

        Assert.Equal([(operation, "tenant:a:k")], inner.Calls);
    }

    [Fact]
    public async Task BufferCapableHostCache_TenantViewIsBufferCapableToo()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton<IDistributedCache, RecordingBufferCache>());

        await using var a = await h.AcquireAsync("a");

        Assert.IsType<TenantBufferDistributedCache>(a.Services.GetRequiredService<IDistributedCache>());
    }

    [Fact]
    public async Task HostCacheWithoutBuffers_TenantViewDoesNotClaimThem()
    {
        // HybridCache chooses its path with an 'is IBufferDistributedCache' test: claiming it over a cache that lacks it would break.
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton<IDistributedCache, RecordingCache>());

        await using var a = await h.AcquireAsync("a");

        var view = a.Services.GetRequiredService<IDistributedCache>();
        Assert.IsType<TenantDistributedCache>(view);
        Assert.False(view is IBufferDistributedCache);
    }

    [Fact]
    public async Task BufferWrite_IsReadBackThroughTheByteArrayApi_InTheSameTenantOnly()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s => s.AddSingleton<IDistributedCache, RecordingBufferCache>());
        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");
        var cacheA = (IBufferDistributedCache)a.Services.GetRequiredService<IDistributedCache>();

        await cacheA.SetAsync("k", new ReadOnlySequence<byte>([7, 8]), NoExpiry);

        Assert.Equal([7, 8], await cacheA.GetAsync("k"));
        Assert.Null(await b.Services.GetRequiredService<IDistributedCache>().GetAsync("k"));
    }

    [Fact]
    public void KeyPrefix_CraftedIdsAndKeys_NeverGiveTwoTenantsTheSameKey()
    {
        // Ids hold no ':' (TenantInfo refuses it), so the id always ends at the first ':' after "tenant:"; upper-case
        // letters are escaped, so a backend comparing keys without case still tells "Acme" from "acme".
        (string Id, string Key)[] pairs =
        [
            ("a", "b:c"), ("a.b", "c"), ("a", "b.c"), ("a-b", "c"), ("a_b", "c"), ("ab", "c"), ("a", "bc"),
            ("a", ":b:c"), ("a", ""), ("Acme", "k"), ("acme", "k"), ("ACME", "k"), ("aCme", "k"), ("a", "cme:k"),
        ];

        var keys = pairs.Select(p => TenantDistributedCache.GetKeyPrefix(p.Id) + p.Key).ToArray();

        Assert.Equal(keys.Length, keys.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal("tenant:!acme:k", keys[9]);
        Assert.Equal("tenant:acme:k", keys[10]);
    }

    [Fact]
    public void TenantId_WithAColon_IsRefused()
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("a:b", "ab", "AB"));

        Assert.Contains("id", ex.Errors.Keys);
    }

    [Fact]
    public async Task NullKey_IsRefused_NeverTheBarePrefix()
    {
        var inner = new RecordingCache();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton<IDistributedCache>(inner));
        await using var a = await h.AcquireAsync("a");

        Assert.Throws<ArgumentNullException>(() => a.Services.GetRequiredService<IDistributedCache>().Get(null!));
        Assert.Empty(inner.Calls);
    }

    [Fact]
    public async Task InstanceRegistration_IsPrefixedToo()
    {
        var inner = new RecordingCache();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton<IDistributedCache>(inner));
        await using var a = await h.AcquireAsync("a");

        a.Services.GetRequiredService<IDistributedCache>().Set("k", [1], NoExpiry);

        Assert.Equal(["tenant:a:k"], inner.Entries.Keys);
    }

    [Fact]
    public async Task KeyedRegistration_IsPrefixedToo()
    {
        var inner = new RecordingCache();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddKeyedSingleton<IDistributedCache>("sessions", (_, _) => inner));
        await using var a = await h.AcquireAsync("a");

        a.Services.GetRequiredKeyedService<IDistributedCache>("sessions").Set("k", [1], NoExpiry);

        Assert.Equal(["tenant:a:k"], inner.Entries.Keys);
    }

    [Theory]
    [InlineData(ServiceLifetime.Singleton)]
    [InlineData(ServiceLifetime.Scoped)]
    public async Task AnyKeyRegistration_ThrowsInATenant_NeverHandsOutTheUnprefixedCache(ServiceLifetime lifetime)
    {
        var inner = new RecordingCache();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.Add(
            new ServiceDescriptor(typeof(IDistributedCache), KeyedService.AnyKey, (_, _) => inner, lifetime)));
        await using var a = await h.AcquireAsync("a");
        using var scope = a.CreateScope();

        Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredKeyedService<IDistributedCache>("sessions"));
        Assert.Empty(inner.Calls);
    }

    [Fact]
    public async Task BufferCacheRegisteredOnItsOwn_IsPrefixedToo()
    {
        var inner = new RecordingBufferCache();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton<IBufferDistributedCache>(inner));
        await using var a = await h.AcquireAsync("a");

        a.Services.GetRequiredService<IBufferDistributedCache>().Set("k", new ReadOnlySequence<byte>([1]), NoExpiry);

        Assert.Equal(["tenant:a:k"], inner.Entries.Keys);
    }

    [Fact]
    public async Task SeveralRegistrations_EveryOneIsPrefixed_InOrder()
    {
        var first = new RecordingCache();
        var second = new RecordingCache();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s
            .AddSingleton<IDistributedCache>(_ => first)
            .AddSingleton<IDistributedCache>(second));
        await using var a = await h.AcquireAsync("a");

        var all = a.Services.GetServices<IDistributedCache>().ToArray();
        Assert.Equal(2, all.Length);
        foreach (var cache in all)
        {
            cache.Set("k", [1], NoExpiry);
        }

        Assert.Same(second, ((TenantDistributedCache)a.Services.GetRequiredService<IDistributedCache>()).Inner);
        Assert.Equal(["tenant:a:k"], first.Entries.Keys);
        Assert.Equal(["tenant:a:k"], second.Entries.Keys);
    }

    [Fact]
    public async Task IsolatedDistributedCache_IsBuiltPerTenant_PrefixedAndDisposedWithTheTenant()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a"),
            b => b.IsolateService(typeof(IDistributedCache)),
            s => s.AddSingleton<IDistributedCache, RecordingCache>());
        RecordingCache own;
        await using (var a = await h.AcquireAsync("a"))
        {
            var view = Assert.IsType<TenantDistributedCache>(a.Services.GetRequiredService<IDistributedCache>());
            own = Assert.IsType<RecordingCache>(view.Inner);
            Assert.NotSame(h.Services.GetRequiredService<IDistributedCache>(), own);
            view.Set("k", [1], NoExpiry);
            Assert.Same(view, a.Services.GetRequiredService<IDistributedCache>());
        }

        using (h.HostScope())
        {
            h.Runtime.Unload("a");
        }

        await h.Probes.For("a")[0].WaitDisposedAsync();
        Assert.Equal(["tenant:a:k"], own.Entries.Keys);
        Assert.Equal(1, own.Disposals);
    }

    [Fact]
    public async Task ScopedDistributedCache_IsOnePerScope_AndPrefixed()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddScoped<IDistributedCache, RecordingCache>());
        await using var a = await h.AcquireAsync("a");
        using var first = a.CreateScope();
        using var second = a.CreateScope();

        var view = (TenantDistributedCache)first.ServiceProvider.GetRequiredService<IDistributedCache>();

        Assert.Same(view, first.ServiceProvider.GetRequiredService<IDistributedCache>());
        Assert.NotSame(view.Inner, ((TenantDistributedCache)second.ServiceProvider.GetRequiredService<IDistributedCache>()).Inner);
        Assert.Equal("tenant:a:", view.Prefix);
    }

    [Fact]
    public async Task TenantsOwnRegistration_ReplacesThePrefixedView()
    {
        var own = new RecordingCache();
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a"),
            b => b.ConfigureTenantServices((_, s) => s.AddSingleton<IDistributedCache>(own)),
            s => s.AddDistributedMemoryCache());
        await using var a = await h.AcquireAsync("a");

        Assert.Same(own, a.Services.GetRequiredService<IDistributedCache>());
    }

    [Fact]
    public async Task Unload_NeverDisposesTheHostsDistributedCache()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s => s.AddSingleton<IDistributedCache, RecordingBufferCache>());
        var host = (RecordingCache)h.Services.GetRequiredService<IDistributedCache>();
        await using (var a = await h.AcquireAsync("a"))
        {
            a.Services.GetRequiredService<IDistributedCache>().Set("k", [1], NoExpiry);
        }

        await using (var b = await h.AcquireAsync("b"))
        {
            b.Services.GetRequiredService<IDistributedCache>().Set("k", [2], NoExpiry);
        }

        using (h.HostScope())
        {
            h.Runtime.Unload("a");
            h.Runtime.Unload("b");
        }

        await h.Probes.For("a")[0].WaitDisposedAsync();
        await h.Probes.For("b")[0].WaitDisposedAsync();
        Assert.Equal(0, host.Disposals);
        await using var again = await h.AcquireAsync("a");
        Assert.Equal([1], again.Services.GetRequiredService<IDistributedCache>().Get("k"));
    }

    [Fact]
    public async Task HostCache_IsStillTheUnprefixedInstanceOutsideTenants()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton<IDistributedCache, RecordingCache>());
        await using var a = await h.AcquireAsync("a");

        Assert.IsType<RecordingCache>(h.Services.GetRequiredService<IDistributedCache>());
        Assert.Same(h.Services.GetRequiredService<IDistributedCache>(), ((TenantDistributedCache)a.Services.GetRequiredService<IDistributedCache>()).Inner);
    }

    private static Task Run(Action action)
    {
        action();
        return Task.CompletedTask;
    }
}
