using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.Features;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Declares features and plans on TenantKit's builder.</summary>
public static class TenantFeaturesBuilderExtensions
{
    /// <summary>
    /// Declares a feature: a capability some tenants have (by plan, by default, or their own), with the services,
    /// options, hosted services and hooks it adds to their containers. A tenant without it has none of them. Ids are
    /// checked at once; missing dependencies and cycles at start-up, all in one message.
    /// </summary>
    /// <param name="builder">TenantKit's builder.</param>
    /// <param name="id">The feature id: letters, digits, <c>-</c>, <c>_</c>, <c>.</c>, starting with a letter (kept in lower case).</param>
    /// <param name="configure">Describes the feature.</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder AddFeature(this TenantKitBuilder builder, string id, Action<TenantFeatureBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var definition = new TenantFeatureDefinition(TenantFeatureRegistry.CheckId(id, nameof(id)));
        configure?.Invoke(new TenantFeatureBuilder(definition));
        builder.Configuration.Features.Add(definition);
        Wire(builder);
        return builder;
    }

    /// <summary>
    /// Declares a plan: a named set of features (<c>free</c>, <c>pro</c>) a tenant gets by naming the plan in its
    /// <see cref="TenantFeatureProperties.Plan"/> property. Features are checked at start-up.
    /// </summary>
    /// <param name="builder">TenantKit's builder.</param>
    /// <param name="name">The plan name (same rules as feature ids).</param>
    /// <param name="features">The ids of the plan's features; their dependencies come with them.</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder AddPlan(this TenantKitBuilder builder, string name, params string[] features)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(features);
        var plan = TenantFeatureRegistry.CheckId(name, nameof(name));
        var ids = features.Select(f => TenantFeatureRegistry.CheckId(f, nameof(features))).Distinct(StringComparer.Ordinal).ToArray();
        builder.Configuration.Features.AddPlan(plan, ids);
        Wire(builder);
        return builder;
    }

    /// <summary>Adds the feature hooks to tenant builds, once.</summary>
    private static void Wire(TenantKitBuilder builder)
    {
        var configuration = builder.Configuration;
        if (configuration.FeaturesWired)
        {
            return;
        }

        configuration.FeaturesWired = true;
        var registry = configuration.Features;
        configuration.ConfigureServices.Add((tenant, services) =>
        {
            var features = registry.Resolve(tenant);
            services.AddSingleton<ITenantFeatures>(features);
            foreach (var feature in features.Definitions)
            {
                foreach (var configure in feature.ConfigureServices)
                {
                    configure(tenant, services);
                }
            }
        });
        configuration.OnActivated.Add((tenant, services, cancellationToken) => RunAsync(services, f => f.OnActivated, tenant, cancellationToken));
        configuration.OnUnloading.Add((tenant, services, cancellationToken) => RunAsync(services, f => f.OnUnloading, tenant, cancellationToken));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantFeatureCheck>, TenantFeatureCheckValidator>());
        builder.Services.AddOptions<TenantFeatureCheck>().ValidateOnStart();
    }

    private static async ValueTask RunAsync(
        IServiceProvider services,
        Func<TenantFeatureDefinition, List<Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask>>> hooks,
        TenantInfo tenant,
        CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(ITenantFeatures)) is not TenantFeatureSet features)
        {
            return;
        }

        foreach (var feature in features.Definitions)
        {
            foreach (var hook in hooks(feature))
            {
                await hook(tenant, services, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
