using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.TagHelpers;
using Microsoft.AspNetCore.Mvc.TagHelpers.Cache;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.AspNetCore.Tests.Caching;

/// <summary>
/// MVC's cache tag helpers are host singletons (AddRazorPages and AddControllersWithViews register them, and an
/// in-memory IDistributedCache): each tenant gets its own, so a fragment cached for one tenant's page is never served
/// on another tenant's page with the same path.
/// </summary>
public class CacheTagHelperIsolationTests
{
    private static readonly DistributedCacheEntryOptions NoExpiry = new();

    [Fact]
    public async Task AddRazorPages_HostStarts_DespiteTheTagHelperStorageTakingTheDistributedCache()
    {
        await using var app = await StartAsync();

        Assert.NotNull(app.Services.GetRequiredService<IDistributedCacheTagHelperStorage>());
    }

    [Fact]
    public async Task DistributedCacheTagHelperStorage_FragmentOfOneTenant_IsNotReadByAnother()
    {
        await using var app = await StartAsync();
        await using var acme = await LeaseAsync(app, "t-acme");
        await using var globex = await LeaseAsync(app, "t-globex");

        await acme.Services.GetRequiredService<IDistributedCacheTagHelperStorage>().SetAsync("fragment", [1, 2, 3], NoExpiry);

        Assert.Equal([1, 2, 3], await acme.Services.GetRequiredService<IDistributedCacheTagHelperStorage>().GetAsync("fragment"));
        Assert.Null(await globex.Services.GetRequiredService<IDistributedCacheTagHelperStorage>().GetAsync("fragment"));
        Assert.Null(await app.Services.GetRequiredService<IDistributedCacheTagHelperStorage>().GetAsync("fragment"));
    }

    [Fact]
    public async Task DistributedCacheTagHelperService_IsBuiltPerTenant()
    {
        // It also shares renders in flight by key: shared, one tenant could be handed the other's render.
        await using var app = await StartAsync();
        await using var acme = await LeaseAsync(app, "t-acme");
        await using var globex = await LeaseAsync(app, "t-globex");

        var service = acme.Services.GetRequiredService<IDistributedCacheTagHelperService>();

        Assert.NotSame(service, globex.Services.GetRequiredService<IDistributedCacheTagHelperService>());
        Assert.NotSame(app.Services.GetRequiredService<IDistributedCacheTagHelperService>(), service);
    }

    [Fact]
    public async Task CacheTagHelperMemoryCache_IsOnePerTenant()
    {
        await using var app = await StartAsync();
        await using var acme = await LeaseAsync(app, "t-acme");
        await using var globex = await LeaseAsync(app, "t-globex");

        var acmeCache = acme.Services.GetRequiredService<CacheTagHelperMemoryCacheFactory>().Cache;

        Assert.NotSame(acmeCache, globex.Services.GetRequiredService<CacheTagHelperMemoryCacheFactory>().Cache);
        Assert.NotSame(app.Services.GetRequiredService<CacheTagHelperMemoryCacheFactory>().Cache, acmeCache);
    }

    private static Task<WebApplication> StartAsync()
        => TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard, s => s.AddRazorPages());

    private static async Task<TenantLease> LeaseAsync(WebApplication app, string id)
    {
        var tenant = await app.Services.GetRequiredService<ITenantStore>().FindByIdAsync(id);
        return await app.Runtime().AcquireAsync(tenant!);
    }
}
