using Microsoft.EntityFrameworkCore;
using TenantKit;
using TenantKit.EfCore.Features;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Lets features add entities to tenant DbContexts' models.</summary>
public static class TenantFeatureModelBuilderExtensions
{
    /// <summary>
    /// Adds what <paramref name="configure"/> configures (entities, their keys and relations) to the model of
    /// <typeparamref name="TContext"/> (and contexts derived from it) for tenants that have <paramref name="feature"/>,
    /// and for the host. A tenant without the feature has a model without those entities: asking it for one throws,
    /// and provisioning (a schema or database per tenant) creates no table for it. Tenants with the same such features
    /// share one model. When a tenant gets the feature later, provisioning adds the missing tables at its next
    /// generation. Use <c>Set&lt;T&gt;()</c> rather than <c>DbSet</c> properties for these entities (a property would
    /// be left out of the model of tenants without the feature, and stay <see langword="null"/> there).
    /// Not for pooled contexts (<c>AddPooledTenantDbContextFactory</c>): their model is fixed for their life.
    /// </summary>
    /// <typeparam name="TContext">The context type.</typeparam>
    /// <param name="builder">TenantKit's builder.</param>
    /// <param name="feature">The feature id (declared with <c>AddFeature</c>; checked when the first model is built).</param>
    /// <param name="configure">Configures the feature's part of the model.</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder AddFeatureModel<TContext>(this TenantKitBuilder builder, string feature, Action<ModelBuilder> configure)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        ArgumentNullException.ThrowIfNull(configure);
        var models = builder.Services.FirstOrDefault(d => d.ServiceType == typeof(TenantFeatureModels))?.ImplementationInstance as TenantFeatureModels;
        if (models is null)
        {
            models = new TenantFeatureModels();
            builder.Services.AddSingleton(models);
        }

        models.Add(typeof(TContext), feature, configure);
        return builder;
    }
}
