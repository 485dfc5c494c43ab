using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Resolution;
using TenantKit.Runtime;
using TenantKit.Stores;

namespace TenantKit;

/// <summary>
/// Configures TenantKit: where tenants are kept, how they are resolved, and what each tenant's container holds.
/// Every method returns the same builder. Get it from <c>services.AddTenantKit()</c>.
/// </summary>
public sealed class TenantKitBuilder
{
    internal TenantKitBuilder(IServiceCollection services, TenantServicesConfiguration configuration)
    {
        Services = services;
        Configuration = configuration;
    }

    /// <summary>The application's service collection.</summary>
    public IServiceCollection Services { get; }

    internal TenantServicesConfiguration Configuration { get; }

    /// <summary>Keeps tenants in memory, starting with <paramref name="tenants"/>. Replaces any store chosen before.</summary>
    /// <param name="tenants">Tenants to create at start-up.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder WithInMemoryStore(params TenantDraft[] tenants)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var drafts = tenants.ToArray();
        return WithStore(sp =>
        {
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            return new InMemoryTenantStore(drafts.Select(d => d.ToTenant(now)));
        });
    }

    /// <summary>
    /// Reads tenants from the configuration section at <paramref name="sectionPath"/> (read-only; reloads when the
    /// configuration file changes). Replaces any store chosen before.
    /// </summary>
    /// <param name="sectionPath">The section path. <value>The default is <c>TenantKit:Tenants</c>.</value></param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder WithConfigurationStore(string sectionPath = "TenantKit:Tenants")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionPath);
        return WithStore(sp => CreateConfigurationStore(sp, sp.GetRequiredService<IConfiguration>().GetSection(sectionPath)));
    }

    /// <summary>Reads tenants from <paramref name="section"/> (read-only; follows its reloads). Replaces any store chosen before.</summary>
    /// <param name="section">The configuration section holding the tenants.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder WithConfigurationStore(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return WithStore(sp => CreateConfigurationStore(sp, section));
    }

    /// <summary>
    /// Uses the store <paramref name="factory"/> creates (<c>services => ActivatorUtilities.CreateInstance&lt;MyStore&gt;(services)</c>
    /// for a store with constructor injection). Replaces any store chosen before.
    /// </summary>
    /// <param name="factory">Creates the store once.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder WithStore(Func<IServiceProvider, ITenantStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    /// <summary>Adds a strategy that always answers <paramref name="identifier"/>, whatever the context.</summary>
    /// <param name="identifier">The tenant identifier.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidTenantIdentifierException">The identifier is invalid.</exception>
    public TenantKitBuilder WithStaticStrategy(string identifier)
    {
        var strategy = new StaticTenantStrategy(identifier);
        return AddStrategy(typeof(object), _ => strategy);
    }

    /// <summary>Adds a strategy that reads the identifier with <paramref name="read"/> (return <see langword="null"/> for no answer).</summary>
    /// <typeparam name="TContext">What the identifier is read from.</typeparam>
    /// <param name="read">Reads the identifier.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder WithDelegateStrategy<TContext>(Func<TContext, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var strategy = new DelegateTenantStrategy<TContext>((c, _) => new ValueTask<string?>(read(c)));
        return AddStrategy(typeof(TContext), _ => strategy);
    }

    /// <summary>Adds an asynchronous strategy that reads the identifier with <paramref name="read"/>.</summary>
    /// <typeparam name="TContext">What the identifier is read from.</typeparam>
    /// <param name="read">Reads the identifier; returns <see langword="null"/> for no answer.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder WithDelegateStrategy<TContext>(Func<TContext, CancellationToken, ValueTask<string?>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var strategy = new DelegateTenantStrategy<TContext>(read);
        return AddStrategy(typeof(TContext), _ => strategy);
    }

    /// <summary>Adds a strategy instance.</summary>
    /// <typeparam name="TContext">What the identifier is read from.</typeparam>
    /// <param name="strategy">The strategy.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder WithStrategy<TContext>(ITenantStrategy<TContext> strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return AddStrategy(typeof(TContext), _ => strategy);
    }

    /// <summary>Adds a strategy created from the container (constructor injection).</summary>
    /// <typeparam name="TContext">What the identifier is read from.</typeparam>
    /// <typeparam name="TStrategy">The strategy type.</typeparam>
    /// <returns>This builder.</returns>
    public TenantKitBuilder WithStrategy<TContext, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStrategy>()
        where TStrategy : class, ITenantStrategy<TContext>
        => AddStrategy(typeof(TContext), sp => ActivatorUtilities.CreateInstance<TStrategy>(sp));

    /// <summary>Configures the catalog cache.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder ConfigureCatalog(Action<TenantCatalogOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>
    /// Configures which identifiers tenants may be given: reserved names, and whether internationalised identifiers are
    /// allowed (they are not by default).
    /// </summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder ConfigureIdentifiers(Action<TenantIdentifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Configures the tenant runtime (idle timeout, capacity, loading policy...).</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder ConfigureRuntime(Action<TenantRuntimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>
    /// Configures the data-layer policy: the default isolation model, the shared database, and how a tenant's schema
    /// and connection string are found (see <see cref="ITenantConnectionResolver"/>).
    /// </summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder ConfigureData(Action<TenantDataOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Adds registrations of the tenant's own to every tenant container, after the application's.</summary>
    /// <param name="configure">Registers services for one tenant.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder ConfigureTenantServices(Action<TenantInfo, IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Configuration.ConfigureServices.Add(configure);
        return this;
    }

    /// <summary>Configures <typeparamref name="TOptions"/> per tenant, after the application's own configuration.</summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="configure">Changes the options for one tenant.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder ConfigureTenantOptions<TOptions>(Action<TenantInfo, TOptions> configure)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        return ConfigureTenantServices((tenant, services) => services.Configure<TOptions>(options => configure(tenant, options)));
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> per tenant from the tenant's properties whose keys start with
    /// <paramref name="propertyPrefix"/> and a colon (<c>Branding:Color</c> binds <c>Color</c> with prefix <c>Branding</c>).
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="propertyPrefix">The key prefix, without the trailing colon.</param>
    /// <returns>This builder.</returns>
    [RequiresUnreferencedCode(TrimmingMessages.BindingUnreferencedCode)]
    [RequiresDynamicCode(TrimmingMessages.BindingDynamicCode)]
    public TenantKitBuilder BindTenantOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TOptions>(string propertyPrefix)
        where TOptions : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(propertyPrefix);
        return ConfigureTenantServices((tenant, services) =>
        {
            var section = new ConfigurationBuilder().AddInMemoryCollection(tenant.Properties!).Build().GetSection(propertyPrefix);
            services.Configure<TOptions>(section.Bind);
        });
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> per tenant from the application's configuration section at
    /// <paramref name="sectionTemplate"/>, where <c>{tenant}</c> stands for the tenant identifier
    /// (<c>Tenants:{tenant}:Mail</c>). It follows configuration reloads.
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="sectionTemplate">The section path with a <c>{tenant}</c> placeholder.</param>
    /// <returns>This builder.</returns>
    [RequiresUnreferencedCode(TrimmingMessages.BindingUnreferencedCode)]
    [RequiresDynamicCode(TrimmingMessages.BindingDynamicCode)]
    public TenantKitBuilder BindTenantConfiguration<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TOptions>(string sectionTemplate)
        where TOptions : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionTemplate);
        if (!sectionTemplate.Contains("{tenant}", StringComparison.Ordinal))
        {
            throw new ArgumentException("The section template must contain '{tenant}'.", nameof(sectionTemplate));
        }

        return ConfigureTenantServices((tenant, services) =>
            services.AddOptions<TOptions>().Configure<IConfiguration>((options, configuration) =>
                configuration.GetSection(sectionTemplate.Replace("{tenant}", tenant.Identifier, StringComparison.Ordinal)).Bind(options)));
    }

    /// <summary>
    /// Never shares <paramref name="serviceType"/> (or, for an open generic, any of its closed forms) between tenants,
    /// even when the application registered it as a singleton: each tenant container builds its own (from the tenant's
    /// services). <c>IMemoryCache</c> and <c>HybridCache</c> are always isolated (and <c>IDistributedCache</c> always
    /// prefixes keys with the tenant). Start-up fails when a host singleton that every tenant shares depends on an
    /// isolated service; isolate that singleton too (or register it as scoped).
    /// </summary>
    /// <param name="serviceType">The service type: <c>typeof(PriceCache)</c>, or an open generic such as <c>typeof(IRepository&lt;&gt;)</c>.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder IsolateService(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        Configuration.IsolatedServices.Add(serviceType);
        return this;
    }

    /// <summary>
    /// Lets the host singleton <typeparamref name="TService"/> depend on services each tenant must have its own
    /// (<c>IMemoryCache</c>, <c>HybridCache</c>, the unprefixed <c>IDistributedCache</c>, isolated services,
    /// <see cref="TenantInfo"/>): every tenant shares the host's instance with the host's copies of those services, on
    /// purpose (cache entries shared by every tenant, say). Without it, start-up fails when a host singleton would do so.
    /// Prefer registering the service as scoped, or isolating it with <see cref="IsolateService(Type)"/>.
    /// </summary>
    /// <typeparam name="TService">The service type the singleton is registered as.</typeparam>
    /// <returns>This builder.</returns>
    public TenantKitBuilder AllowSharedDependencies<TService>()
    {
        Configuration.SharedDependencies.Add(typeof(TService));
        return this;
    }

    /// <summary>
    /// Runs <paramref name="hook"/> after each tenant generation is built and before it serves (warm-up, migrations).
    /// If it throws, the build fails: the tenant is not served half-ready, and the build is retried after a back-off.
    /// </summary>
    /// <param name="hook">Receives the tenant and its container's root services.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder OnTenantActivated(Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        Configuration.OnActivated.Add(hook);
        return this;
    }

    /// <summary>Runs <paramref name="hook"/> when a tenant generation starts unloading, before it is disposed. Errors are logged.</summary>
    /// <param name="hook">Receives the tenant and its container's root services.</param>
    /// <returns>This builder.</returns>
    public TenantKitBuilder OnTenantUnloading(Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        Configuration.OnUnloading.Add(hook);
        return this;
    }

    private static ConfigurationTenantStore CreateConfigurationStore(IServiceProvider sp, IConfiguration section)
        => new(section, sp.GetRequiredService<ITenantChangeFeed>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ConfigurationTenantStore>>());

    private TenantKitBuilder AddStrategy(Type contextType, Func<IServiceProvider, object> factory)
    {
        Configuration.Strategies.Add(new StrategyRegistration(contextType, factory));
        return this;
    }
}
