using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.Administration;
using TenantKit.Catalog;
using TenantKit.Data;
using TenantKit.Diagnostics;
using TenantKit.Features;
using TenantKit.Hosting;
using TenantKit.Resolution;
using TenantKit.Runtime;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TenantKit.</summary>
public static class TenantKitServiceCollectionExtensions
{
    /// <summary>
    /// Adds TenantKit's core services: the catalog (an in-memory store until another is chosen) with its cache, the
    /// change feed, resolution, the ambient tenant context, host administration, the tenant runtime, the executor and
    /// the data-layer policy (<see cref="ITenantConnectionResolver"/>).
    /// Calling it again returns the same builder and adds nothing twice.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Configures TenantKit.</param>
    /// <returns>The builder, to go on configuring.</returns>
    public static TenantKitBuilder AddTenantKit(this IServiceCollection services, Action<TenantKitBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = FindBuilder(services);
        if (builder is null)
        {
            builder = new TenantKitBuilder(services, new TenantServicesConfiguration(services));
            services.AddSingleton(new TenantKitMarker(builder));
            services.AddSingleton(builder.Configuration);
            services.AddSingleton(builder.Configuration.Features);
            Register(services);
        }

        configure?.Invoke(builder);
        return builder;
    }

    private static TenantKitBuilder? FindBuilder(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(TenantKitMarker) && descriptor.ImplementationInstance is TenantKitMarker marker)
            {
                return marker.Builder;
            }
        }

        return null;
    }

    private static void Register(IServiceCollection services)
    {
        services.AddOptions();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new TenantKitMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<ITenantChangeFeed, TenantChangeFeed>();
        services.TryAddSingleton<ITenantStore>(_ => new InMemoryTenantStore());
        services.TryAddSingleton<CachingTenantCatalog>();
        services.TryAddSingleton<ITenantCatalog>(sp => sp.GetRequiredService<CachingTenantCatalog>());
        services.TryAddSingleton<ITenantContextAccessor, TenantContextAccessor>();
        services.TryAddSingleton(typeof(ITenantResolver<>), typeof(TenantResolver<>));
        services.TryAddSingleton(typeof(ITenantIdentifierReader<>), typeof(TenantIdentifierReader<>));
        services.TryAddSingleton<TenantIdentifierPolicy>();
        services.TryAddSingleton<ITenantAdministration, TenantAdministration>();
        services.TryAddSingleton<ITenantFeatureAdministration, TenantFeatureAdministration>();
        services.TryAddSingleton<TenantContainerFactory>();
        services.TryAddSingleton<TenantRuntime>();
        services.TryAddSingleton<ITenantRuntime>(sp => sp.GetRequiredService<TenantRuntime>());
        services.TryAddSingleton<ITenantExecutor, TenantExecutor>();
        services.TryAddSingleton<ITenantConnectionResolver>(sp => new TenantConnectionResolver(
            sp.GetRequiredService<IOptions<TenantDataOptions>>(),
            sp.GetRequiredService<ITenantContextAccessor>(),
            sp.GetService<IConfiguration>()));
        services.TryAddSingleton<TenantChangeSync>();
        services.TryAddSingleton<ITenantChangeSync>(sp => sp.GetRequiredService<TenantChangeSync>());

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TenantRuntimeHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantCatalogOptions>, TenantCatalogOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantRuntimeOptions>, TenantRuntimeOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantDataOptions>, TenantDataOptionsValidator>());
        services.AddOptions<TenantCatalogOptions>().ValidateOnStart();
        services.AddOptions<TenantRuntimeOptions>().ValidateOnStart();
        services.AddOptions<TenantDataOptions>().ValidateOnStart();
    }

    /// <summary>Marks a collection TenantKit was added to, and carries its builder.</summary>
    private sealed class TenantKitMarker(TenantKitBuilder builder)
    {
        public TenantKitBuilder Builder { get; } = builder;
    }
}
