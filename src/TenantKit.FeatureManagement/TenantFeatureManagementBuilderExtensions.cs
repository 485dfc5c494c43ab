using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.FeatureManagement;
using TenantKit;
using TenantKit.FeatureManagement;
using TenantKit.Features;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Bridges TenantKit's features to Microsoft.FeatureManagement.</summary>
public static class TenantFeatureManagementBuilderExtensions
{
    /// <summary>
    /// Adds Microsoft.FeatureManagement so that, inside a tenant, <see cref="IFeatureManager"/> (and its snapshot and
    /// variant forms) answers that tenant's TenantKit features: <c>[FeatureGate]</c>, <c>WithFeatureGate</c> and the
    /// <c>&lt;feature&gt;</c> tag helper work per tenant unchanged. Each tenant container builds its own feature manager
    /// over a definition provider of the tenant's features (those it has are on through the <c>AlwaysOn</c> filter);
    /// outside tenants, the application's feature manager keeps its own definitions (configuration by default).
    /// Calling it twice is harmless.
    /// </summary>
    /// <param name="builder">TenantKit's builder.</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder AddTenantFeatureManagement(this TenantKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(TenantFeatureManagementMarker)))
        {
            return builder;
        }

        services.AddSingleton<TenantFeatureManagementMarker>();
        services.AddFeatureManagement();

        // Registered by the application as singletons, they would reach tenants as the host's one instance (with the
        // host's definitions): each tenant builds its own instead, from its own services.
        builder.IsolateService(typeof(FeatureManager))
            .IsolateService(typeof(IFeatureManager))
            .IsolateService(typeof(IVariantFeatureManager))
            .IsolateService(typeof(IFeatureDefinitionProvider));
        return builder.ConfigureTenantServices((_, tenantServices) => tenantServices.Replace(ServiceDescriptor.Singleton<IFeatureDefinitionProvider>(
            sp => new TenantFeatureDefinitionProvider(sp.GetRequiredService<TenantFeatureRegistry>(), sp.GetService<ITenantFeatures>()))));
    }
}

/// <summary>Marks a collection the bridge was added to.</summary>
internal sealed class TenantFeatureManagementMarker;
