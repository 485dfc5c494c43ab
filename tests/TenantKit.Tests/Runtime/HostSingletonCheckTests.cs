using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TenantKit.Caching;
using Snapshooter.Xunit;
using TenantKit.Runtime;

namespace TenantKit.Tests.Runtime;

/// <summary>
/// The start-up check: a host singleton is forwarded to every tenant as the host's one instance, so one that depends
/// (directly or through other services) on a service each tenant must have its own fails start-up with every path.
/// </summary>
public class HostSingletonCheckTests
{
    [Fact]
    public async Task Start_HostSingletonTakingMemoryCache_FailsWithThePath()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<PriceCache>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains(
            "Host singleton 'PriceCache' depends on 'IMemoryCache', which every tenant must get its own (PriceCache -> IMemoryCache). "
            + "Register PriceCache as scoped, or isolate it with IsolateService(typeof(PriceCache)) so each tenant builds its own.",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithEagerLoading_FailsBeforeAnyTenantIsBuilt()
    {
        await using var h = Harness(
            s => s.AddMemoryCache().AddSingleton<PriceCache>(),
            b => b.ConfigureRuntime(o => o.LoadingPolicy = TenantLoadingPolicy.Eager));

        await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Empty(h.Probes.All);
        Assert.Equal((0L, 0L), (h.Runtime.Counts.Builds, h.Runtime.Counts.FailedBuilds));
    }

    [Fact]
    public async Task Start_IsolatedServiceRegisteredByFactory_IsStillADependency()
    {
        // Isolation is about the service type: however the host built its cache, the singleton holds the host's.
        await using var h = Harness(s => s
            .AddSingleton<IMemoryCache>(_ => new MemoryCache(new MemoryCacheOptions()))
            .AddSingleton<PriceCache>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("(PriceCache -> IMemoryCache)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SingletonThroughAnotherSingleton_FailsWithTheWholePath()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<PriceCache>().AddSingleton<IQuotes, Quotes>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("Host singleton 'IQuotes' depends on 'IMemoryCache', which every tenant must get its own (IQuotes(Quotes) -> PriceCache -> IMemoryCache).", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Host singleton 'PriceCache' depends on 'IMemoryCache'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SingletonThroughATransient_Fails()
    {
        // The host builds the transient once, for the singleton that keeps it: the host's cache reaches every tenant.
        await using var h = Harness(s => s.AddMemoryCache().AddTransient<PriceCache>().AddSingleton<IQuotes, Quotes>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("(IQuotes(Quotes) -> PriceCache -> IMemoryCache)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SingletonTakingAClosedFormOfAnIsolatedOpenGeneric_Fails()
    {
        await using var h = Harness(
            s => s.AddSingleton(typeof(IRepository<>), typeof(Repository<>)).AddSingleton<OrderReport>(),
            b => b.IsolateService(typeof(IRepository<>)));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("Host singleton 'OrderReport' depends on 'IRepository<Order>', which every tenant must get its own (OrderReport -> IRepository<Order>).", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SingletonTakingTheTenant_Fails()
    {
        await using var h = Harness(s => s.AddSingleton<Greeter>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("Host singleton 'Greeter' depends on 'TenantInfo', which exists only inside a tenant (Greeter -> TenantInfo).", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SingletonThroughAnOpenGenericSingleton_FollowsTheClosedImplementation()
    {
        // Open-generic singletons are registered anew per tenant, but the forwarded host instance was built with the host's.
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton(typeof(ICached<>), typeof(Cached<>)).AddSingleton<OrderCache>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("(OrderCache -> ICached<Order>(Cached<Order>) -> IMemoryCache)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SingletonTakingAnEnumerable_FollowsEveryRegistration()
    {
        await using var h = Harness(s => s.AddMemoryCache()
            .AddSingleton<IHandler, PlainHandler>()
            .AddSingleton<IHandler, CachingHandler>()
            .AddSingleton<Dispatcher>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("Host singleton 'Dispatcher' depends on 'IMemoryCache', which every tenant must get its own (Dispatcher -> IHandler(CachingHandler) -> IMemoryCache).", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Host singleton 'IHandler' depends on 'IMemoryCache', which every tenant must get its own (IHandler(CachingHandler) -> IMemoryCache).", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SingletonTakingAKeyedService_FollowsTheKey()
    {
        await using var h = Harness(s => s.AddMemoryCache()
            .AddKeyedSingleton<PriceCache>("eu")
            .AddSingleton<PriceCache>(_ => new PriceCache(new MemoryCache(new MemoryCacheOptions())))
            .AddSingleton<EuropeanPrices>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("Host singleton 'EuropeanPrices' depends on 'IMemoryCache', which every tenant must get its own (EuropeanPrices -> PriceCache -> IMemoryCache).", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Host singleton 'PriceCache' (key 'eu') depends on 'IMemoryCache'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SingletonWithSeveralTenantOnlyDependencies_ListsEach()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<PriceCache>().AddSingleton<Storefront>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains(
            "Host singleton 'Storefront' depends on 'IMemoryCache', which every tenant must get its own (Storefront -> PriceCache -> IMemoryCache), "
            + "and on 'TenantInfo', which exists only inside a tenant (Storefront -> TenantInfo).",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SeveralViolations_AreReportedInOneMessage()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<PriceCache>().AddSingleton<IQuotes, Quotes>().AddSingleton<Greeter>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Snapshot.Match(ex.Message);
    }

    [Fact]
    public async Task Start_IsolatedSingletonTakingMemoryCache_StartsAndEachTenantBuildsItsOwn()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<PriceCache>(), b => b.IsolateService(typeof(PriceCache)));

        await h.StartAsync();
        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        var fromA = a.Services.GetRequiredService<PriceCache>();
        Assert.Same(a.Services.GetRequiredService<IMemoryCache>(), fromA.Cache);
        Assert.Same(b.Services.GetRequiredService<IMemoryCache>(), b.Services.GetRequiredService<PriceCache>().Cache);
        Assert.NotSame(h.Services.GetRequiredService<IMemoryCache>(), fromA.Cache);
    }

    [Fact]
    public async Task Start_ScopedAndTransientServicesTakingMemoryCache_Start()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddScoped<PriceCache>().AddTransient<Quotes>());

        await h.StartAsync();

        await using var a = await h.AcquireAsync("a");
        using var scope = a.CreateScope();
        Assert.Same(a.Services.GetRequiredService<IMemoryCache>(), scope.ServiceProvider.GetRequiredService<PriceCache>().Cache);
    }

    [Fact]
    public async Task Start_FactoryAndInstanceRegistrations_AreNotAnalysed()
    {
        // Their dependencies are in code the check cannot read: it skips them rather than guess.
        await using var h = Harness(s => s.AddMemoryCache()
            .AddSingleton(sp => new PriceCache(sp.GetRequiredService<IMemoryCache>()))
            .AddSingleton(new Quotes(new PriceCache(new MemoryCache(new MemoryCacheOptions())))));

        await h.StartAsync();

        Assert.NotNull(h.Services.GetRequiredService<PriceCache>());
    }

    [Fact]
    public async Task Start_LongestConstructorNeedsAnUnregisteredService_AnalysesTheOneTheContainerPicks()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<TwoConstructors>());

        await h.StartAsync();

        Assert.False(h.Services.GetRequiredService<TwoConstructors>().UsedCache);
    }

    [Fact]
    public async Task Start_LongestConstructorIsResolvable_AnalysesIt()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<CacheOrNot>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("(CacheOrNot -> IMemoryCache)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_IsolatedServiceTheHostDoesNotRegister_IsNotADependency()
    {
        // Without AddMemoryCache the container passes the parameter's default: the singleton holds no cache.
        await using var h = Harness(s => s.AddSingleton<OptionalCache>());

        await h.StartAsync();

        Assert.Null(h.Services.GetRequiredService<OptionalCache>().Cache);
    }

    [Fact]
    public async Task Start_DependencyCycle_EndsTheCheck()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<CycleA>().AddSingleton<CycleB>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("Host singleton 'CycleA' depends on 'IMemoryCache', which every tenant must get its own (CycleA -> IMemoryCache).", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DependencyCycleWithoutTenantOnlyServices_FindsNothing()
    {
        var services = new ServiceCollection().AddMemoryCache().AddSingleton<Ping>().AddSingleton<Pong>();

        var message = await Task.Run(() => HostSingletonCheck.Run(new TenantServicesConfiguration(services))).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(message);
    }

    [Fact]
    public async Task AllowSharedDependencies_LetsTheSingletonStartAndBeShared()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<PriceCache>(), b => b.AllowSharedDependencies<PriceCache>());

        await h.StartAsync();
        await using var a = await h.AcquireAsync("a");

        Assert.Same(h.Services.GetRequiredService<PriceCache>(), a.Services.GetRequiredService<PriceCache>());
    }

    [Fact]
    public async Task Start_HostSingletonTakingTheDistributedCache_FailsWithThePath()
    {
        // Inside a tenant the distributed cache prefixes keys with the tenant; the host's instance holds the host's
        // unprefixed cache, and every tenant would read and write the same keys through it.
        await using var h = Harness(s => s.AddDistributedMemoryCache().AddSingleton<ProductCache>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains(
            "Host singleton 'ProductCache' depends on 'IDistributedCache', which every tenant must get its own (ProductCache -> IDistributedCache).",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_HostSingletonTakingAKeyedDistributedCache_Fails()
    {
        await using var h = Harness(s => s
            .AddKeyedSingleton<IDistributedCache>("sessions", (_, _) => new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())))
            .AddSingleton<SessionCache>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(h.StartAsync);

        Assert.Contains("(SessionCache -> IDistributedCache)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ScopedServiceTakingTheDistributedCache_StartsAndGetsTheTenantsView()
    {
        await using var h = Harness(s => s.AddDistributedMemoryCache().AddScoped<ProductCache>());

        await h.StartAsync();
        await using var a = await h.AcquireAsync("a");
        using var scope = a.CreateScope();

        Assert.IsType<TenantDistributedCache>(scope.ServiceProvider.GetRequiredService<ProductCache>().Cache);
    }

    [Fact]
    public async Task AllowSharedDependencies_SingletonTakingTheDistributedCache_SharesTheHostsUnprefixedCache()
    {
        // The documented way to share entries across tenants on purpose.
        await using var h = Harness(s => s.AddDistributedMemoryCache().AddSingleton<ProductCache>(), b => b.AllowSharedDependencies<ProductCache>());
        await h.StartAsync();
        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        a.Services.GetRequiredService<ProductCache>().Cache.SetString("exchange-rates", "shared");

        Assert.Equal("shared", b.Services.GetRequiredService<ProductCache>().Cache.GetString("exchange-rates"));
        Assert.Equal("shared", h.Services.GetRequiredService<IDistributedCache>().GetString("exchange-rates"));
    }

    [Fact]
    public async Task Acquire_WithoutStartingTheHost_FailsTheBuildWithTheSameMessage()
    {
        await using var h = Harness(s => s.AddMemoryCache().AddSingleton<PriceCache>());

        var ex = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("a"));

        var inner = Assert.IsType<InvalidOperationException>(ex.InnerException);
        Assert.Contains("Host singleton 'PriceCache' depends on 'IMemoryCache'", inner.Message, StringComparison.Ordinal);
    }

    private static RuntimeHarness Harness(Action<IServiceCollection> services, Action<TenantKitBuilder>? configure = null)
        => RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), configure, services);

    private sealed class ProductCache(IDistributedCache cache)
    {
        public IDistributedCache Cache { get; } = cache;
    }

    private sealed class SessionCache([FromKeyedServices("sessions")] IDistributedCache cache)
    {
        public IDistributedCache Cache { get; } = cache;
    }

    private sealed class PriceCache(IMemoryCache cache)
    {
        public IMemoryCache Cache { get; } = cache;
    }

    private interface IQuotes;

    private sealed class Quotes(PriceCache prices) : IQuotes
    {
        public PriceCache Prices { get; } = prices;
    }

    private sealed class Greeter(TenantInfo tenant)
    {
        public TenantInfo Tenant { get; } = tenant;
    }

    private sealed class Storefront(PriceCache prices, TenantInfo tenant)
    {
        public PriceCache Prices { get; } = prices;

        public TenantInfo Tenant { get; } = tenant;
    }

    private sealed class EuropeanPrices([FromKeyedServices("eu")] PriceCache prices)
    {
        public PriceCache Prices { get; } = prices;
    }

    private sealed class Order;

    private interface IRepository<T>;

    private sealed class Repository<T> : IRepository<T>;

    private sealed class OrderReport(IRepository<Order> orders)
    {
        public IRepository<Order> Orders { get; } = orders;
    }

    private interface ICached<T>;

    private sealed class Cached<T>(IMemoryCache cache) : ICached<T>
    {
        public IMemoryCache Cache { get; } = cache;
    }

    private sealed class OrderCache(ICached<Order> orders)
    {
        public ICached<Order> Orders { get; } = orders;
    }

    private interface IHandler;

    private sealed class PlainHandler : IHandler;

    private sealed class CachingHandler(IMemoryCache cache) : IHandler
    {
        public IMemoryCache Cache { get; } = cache;
    }

    private sealed class Dispatcher(IEnumerable<IHandler> handlers)
    {
        public IEnumerable<IHandler> Handlers { get; } = handlers;
    }

    private sealed class Unregistered;

    private sealed class TwoConstructors
    {
        public TwoConstructors()
        {
        }

        public TwoConstructors(IMemoryCache cache, Unregistered unregistered)
        {
            UsedCache = cache is not null && unregistered is not null;
        }

        public bool UsedCache { get; }
    }

    private sealed class CacheOrNot
    {
        public CacheOrNot()
        {
        }

        public CacheOrNot(IMemoryCache cache)
        {
            Cache = cache;
        }

        public IMemoryCache? Cache { get; }
    }

    private sealed class OptionalCache(IMemoryCache? cache = null)
    {
        public IMemoryCache? Cache { get; } = cache;
    }

    private sealed class CycleA(CycleB b, IMemoryCache cache)
    {
        public CycleB B { get; } = b;

        public IMemoryCache Cache { get; } = cache;
    }

    private sealed class CycleB(CycleA a)
    {
        public CycleA A { get; } = a;
    }

    private sealed class Ping(Pong pong)
    {
        public Pong Pong { get; } = pong;
    }

    private sealed class Pong(Ping ping)
    {
        public Ping Ping { get; } = ping;
    }
}
