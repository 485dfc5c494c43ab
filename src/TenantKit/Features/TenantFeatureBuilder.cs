using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Features;

/// <summary>
/// Declares one feature: what it is, what it needs, and what it adds to the container of each tenant that has it.
/// Every method returns the same builder. Get it from <c>tenantKit.AddFeature(id, f =&gt; ...)</c>.
/// </summary>
public sealed class TenantFeatureBuilder
{
    internal TenantFeatureBuilder(TenantFeatureDefinition definition)
    {
        Definition = definition;
    }

    /// <summary>The feature id.</summary>
    internal string Id => Definition.Id;

    internal TenantFeatureDefinition Definition { get; }

    /// <summary>Describes the feature for people (an operator's console).</summary>
    /// <param name="description">What the feature gives a tenant.</param>
    /// <returns>This builder.</returns>
    public TenantFeatureBuilder Describe(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        Definition.Description = description;
        return this;
    }

    /// <summary>
    /// Declares features this one needs: a tenant that has this feature has them too, and their services are
    /// registered first. A missing feature or a cycle is refused at start-up.
    /// </summary>
    /// <param name="features">The ids of the features needed.</param>
    /// <returns>This builder.</returns>
    public TenantFeatureBuilder DependsOn(params string[] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        foreach (var feature in features)
        {
            var id = TenantFeatureRegistry.CheckId(feature, nameof(features));
            if (!Definition.DependencyList.Contains(id, StringComparer.Ordinal))
            {
                Definition.DependencyList.Add(id);
            }
        }

        return this;
    }

    /// <summary>Gives the feature to every tenant, whatever its plan; a tenant cannot remove it.</summary>
    /// <returns>This builder.</returns>
    public TenantFeatureBuilder AlwaysOn()
    {
        Definition.IsAlwaysOn = true;
        return this;
    }

    /// <summary>Gives the feature to every tenant that does not remove it (<c>-id</c> in its features).</summary>
    /// <returns>This builder.</returns>
    public TenantFeatureBuilder EnabledByDefault()
    {
        Definition.IsEnabledByDefault = true;
        return this;
    }

    /// <summary>
    /// Adds registrations to the container of each tenant that has the feature, after the application's own. A factory
    /// that needs the tenant resolves <see cref="TenantInfo"/>, which every tenant container holds.
    /// </summary>
    /// <param name="configure">Registers the feature's services (and hosted services, which run per tenant).</param>
    /// <returns>This builder.</returns>
    public TenantFeatureBuilder ConfigureServices(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Definition.ConfigureServices.Add((_, services) => configure(services));
        return this;
    }

    /// <summary>Configures <typeparamref name="TOptions"/> in the containers of tenants that have the feature.</summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="configure">Changes the options for one tenant.</param>
    /// <returns>This builder.</returns>
    public TenantFeatureBuilder ConfigureOptions<TOptions>(Action<TenantInfo, TOptions> configure)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        Definition.ConfigureServices.Add((tenant, services) => services.Configure<TOptions>(options => configure(tenant, options)));
        return this;
    }

    /// <summary>
    /// Runs <paramref name="hook"/> when a generation of a tenant that has the feature is built, before it serves (after
    /// the hooks of the features it depends on). If it throws, the build fails.
    /// </summary>
    /// <param name="hook">Receives the tenant and its container's root services.</param>
    /// <returns>This builder.</returns>
    public TenantFeatureBuilder OnActivated(Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        Definition.OnActivated.Add(hook);
        return this;
    }

    /// <summary>Runs <paramref name="hook"/> when a generation of a tenant that has the feature unloads. Errors are logged.</summary>
    /// <param name="hook">Receives the tenant and its container's root services.</param>
    /// <returns>This builder.</returns>
    public TenantFeatureBuilder OnUnloading(Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        Definition.OnUnloading.Add(hook);
        return this;
    }
}
