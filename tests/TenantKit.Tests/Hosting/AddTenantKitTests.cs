using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Hosting;

public class AddTenantKitTests
{
    private static readonly Type[] CoreServices =
    [
        typeof(ITenantStore), typeof(ITenantCatalog), typeof(ITenantChangeFeed), typeof(ITenantContextAccessor),
        typeof(ITenantResolver<>), typeof(ITenantAdministration), typeof(ITenantRuntime), typeof(ITenantExecutor),
        typeof(TimeProvider), typeof(IValidateOptions<TenantCatalogOptions>), typeof(IValidateOptions<TenantRuntimeOptions>),
    ];

    [Fact]
    public void AddTenantKit_Twice_ReturnsTheSameBuilderAndRegistersNothingTwice()
    {
        var services = new ServiceCollection();

        var first = services.AddTenantKit();
        var registrations = services.Count;
        var second = services.AddTenantKit();

        Assert.Same(first, second);
        Assert.Same(services, first.Services);
        Assert.Equal(registrations, services.Count);
        foreach (var type in CoreServices)
        {
            Assert.Single(services, d => d.ServiceType == type);
        }

        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Assembly == typeof(ITenantStore).Assembly);
    }

    [Fact]
    public async Task AddTenantKit_Twice_AppliesBothConfigurationsToOneSetup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTenantKit(b => b.WithInMemoryStore(new TenantDraft("acme"), new TenantDraft("globex")).WithDelegateStrategy<string[]>(a => a[0]));
        services.AddTenantKit(b => b.WithDelegateStrategy<string[]>(a => a[1]));
        await using var provider = services.BuildServiceProvider();
        var resolver = provider.GetRequiredService<ITenantResolver<string[]>>();

        var first = await resolver.ResolveAsync(["acme", "globex"]);
        var second = await resolver.ResolveAsync([null!, "globex"]);

        Assert.Equal(("acme", 0), (first.Tenant?.Identifier, first.StrategyIndex));
        Assert.Equal(("globex", 1), (second.Tenant?.Identifier, second.StrategyIndex));
    }

    [Fact]
    public async Task AddTenantKit_Defaults_AnEmptyInMemoryStoreBehindTheCache()
    {
        await using var provider = TestServices.Build();

        Assert.IsType<InMemoryTenantStore>(provider.GetRequiredService<ITenantStore>());
        Assert.Null(await provider.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"));
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.Same(provider.GetRequiredService<ITenantCatalog>(), provider.GetRequiredService<ITenantCatalog>());
    }

    [Fact]
    public async Task AddTenantKit_TimeProviderRegisteredFirst_IsKept()
    {
        var time = new FakeTimeProvider(TestTenants.Epoch);

        await using var provider = TestServices.Build(b => b.WithInMemoryStore(new TenantDraft("acme")), time);

        Assert.Same(time, provider.GetRequiredService<TimeProvider>());
        Assert.Equal(TestTenants.Epoch, (await provider.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!.CreatedAt);
    }

    [Fact]
    public void StoreChoices_ReplaceEachOther()
    {
        var services = new ServiceCollection();
        var store = new InMemoryTenantStore();

        services.AddTenantKit(b => b.WithInMemoryStore().WithConfigurationStore().WithStore(_ => store));

        Assert.Single(services, d => d.ServiceType == typeof(ITenantStore));
        using var provider = services.BuildServiceProvider();
        Assert.Same(store, provider.GetRequiredService<ITenantStore>());
    }

    [Fact]
    public async Task WithStore_FactoryResolvingTheStoreFromTheContainer_UsesThatInstance()
    {
        await using var provider = TestServices.Build(b =>
        {
            b.Services.AddSingleton<InMemoryTenantStore>();
            b.WithStore(sp => sp.GetRequiredService<InMemoryTenantStore>());
        });

        Assert.Same(provider.GetRequiredService<InMemoryTenantStore>(), provider.GetRequiredService<ITenantStore>());
    }

    [Fact]
    public void Builder_EveryMethod_ReturnsTheSameBuilder()
    {
        var builder = new ServiceCollection().AddTenantKit();

        Assert.Same(builder, builder.WithInMemoryStore());
        Assert.Same(builder, builder.WithConfigurationStore());
        Assert.Same(builder, builder.WithStore(_ => new InMemoryTenantStore()));
        Assert.Same(builder, builder.WithStaticStrategy("acme"));
        Assert.Same(builder, builder.WithDelegateStrategy<string>(s => s));
        Assert.Same(builder, builder.WithDelegateStrategy<string>((s, _) => new ValueTask<string?>(s)));
        Assert.Same(builder, builder.ConfigureCatalog(_ => { }));
        Assert.Same(builder, builder.ConfigureRuntime(_ => { }));
        Assert.Same(builder, builder.ConfigureTenantServices((_, _) => { }));
        Assert.Same(builder, builder.IsolateService(typeof(object)));
    }

    [Fact]
    public void Builder_BadArguments_AreRefusedAtOnce()
    {
        var builder = new ServiceCollection().AddTenantKit();

        Assert.Throws<ArgumentException>(() => builder.WithConfigurationStore(" "));
        Assert.Throws<ArgumentNullException>(() => builder.WithConfigurationStore((Microsoft.Extensions.Configuration.IConfiguration)null!));
        Assert.Throws<ArgumentNullException>(() => builder.WithInMemoryStore(null!));
        Assert.Throws<ArgumentNullException>(() => builder.WithDelegateStrategy<string>((Func<string, string?>)null!));
        Assert.Throws<ArgumentException>(() => builder.BindTenantConfiguration<object>("Tenants:Mail"));
        Assert.Throws<InvalidTenantIdentifierException>(() => builder.WithStaticStrategy("Not Valid"));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddTenantKit());
    }

    [Fact]
    public async Task Host_InvalidTenantsSection_FailsToStartNamingEveryProblem()
    {
        // A bad tenants section is a start-up error, like bad options: not something the first request finds.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TenantKit:Tenants:0:Identifier"] = "acme",
            ["TenantKit:Tenants:1:Identifier"] = "acme",
            ["TenantKit:Tenants:2:Identifier"] = "globex",
            ["TenantKit:Tenants:2:State"] = "Sleeping",
        });
        builder.Services.AddTenantKit(b => b.WithConfigurationStore());
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<TenantValidationException>(() => host.StartAsync());

        Assert.Contains("'acme' is used by more than one tenant", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Sleeping' is not a tenant state", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_InvalidOptions_FailsToStartWithOneMessageListingEveryProblem()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddTenantKit(b => b
            .ConfigureRuntime(o =>
            {
                o.IdleTimeout = TimeSpan.FromSeconds(-5);
                o.Capacity = 0;
                o.MaxConcurrentBuilds = 0;
                o.DrainTimeout = TimeSpan.Zero;
                o.BuildRetryDelay = TimeSpan.FromSeconds(10);
                o.MaxBuildRetryDelay = TimeSpan.FromSeconds(1);
            })
            .ConfigureCatalog(o =>
            {
                o.EntryLifetime = TimeSpan.Zero;
                o.NegativeEntryLifetime = TimeSpan.FromSeconds(-1);
                o.MaxNegativeEntries = -1;
                o.MaxStaleness = TimeSpan.FromSeconds(-1);
                o.StoreRetryInterval = TimeSpan.Zero;
            }));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        var expected = new[]
        {
            "TenantRuntimeOptions.IdleTimeout", "TenantRuntimeOptions.Capacity", "TenantRuntimeOptions.MaxConcurrentBuilds",
            "TenantRuntimeOptions.DrainTimeout", "TenantRuntimeOptions.MaxBuildRetryDelay",
            "TenantCatalogOptions.EntryLifetime", "TenantCatalogOptions.NegativeEntryLifetime", "TenantCatalogOptions.MaxNegativeEntries",
            "TenantCatalogOptions.MaxStaleness", "TenantCatalogOptions.StoreRetryInterval",
        };
        foreach (var option in expected)
        {
            Assert.Contains(option, ex.Message, StringComparison.Ordinal);
        }

        var failures = Flatten(ex).OfType<OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        Assert.Equal(expected.Length, failures.Count);
    }

    [Fact]
    public async Task Host_OneInvalidOptionsType_FailsWithEveryProblemOfThatType()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddTenantKit(b => b.ConfigureCatalog(o =>
        {
            o.EntryLifetime = TimeSpan.FromSeconds(-1);
            o.StoreRetryInterval = TimeSpan.FromSeconds(-1);
        }));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(typeof(TenantCatalogOptions), ex.OptionsType);
        Assert.Equal(2, ex.Failures.Count());
        Assert.Contains("EntryLifetime", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StoreRetryInterval", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_ValidOptions_StartsAndStops()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddTenantKit(b => b
            .WithInMemoryStore(new TenantDraft("acme"))
            .ConfigureRuntime(o => o.IdleTimeout = Timeout.InfiniteTimeSpan)
            .ConfigureCatalog(o => o.NegativeEntryLifetime = TimeSpan.Zero));
        using var host = builder.Build();

        await host.StartAsync();
        var acme = await host.Services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme");
        await host.StopAsync();

        Assert.NotNull(acme);
    }

    private static IEnumerable<Exception> Flatten(Exception ex)
        => ex is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [ex];
}
