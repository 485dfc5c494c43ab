using TenantKit.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Marks endpoints and groups with what they need of the tenant middleware.</summary>
public static class TenantEndpointConventionBuilderExtensions
{
    private static readonly ExcludeFromTenantResolutionAttribute Exclude = new();
    private static readonly RequireTenantAttribute Tenant = new();
    private static readonly RequireHostAttribute Host = new();

    /// <summary>Skips tenant resolution for the endpoints (health checks, static files, a landing page).</summary>
    /// <typeparam name="TBuilder">The endpoint convention builder type.</typeparam>
    /// <param name="builder">The endpoints.</param>
    /// <returns>The builder.</returns>
    public static TBuilder ExcludeFromTenantResolution<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(Exclude);

    /// <summary>Refuses (404) requests to the endpoints that name no tenant.</summary>
    /// <typeparam name="TBuilder">The endpoint convention builder type.</typeparam>
    /// <param name="builder">The endpoints.</param>
    /// <returns>The builder.</returns>
    public static TBuilder RequireTenant<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(Tenant);

    /// <summary>Refuses (403) requests to the endpoints that name a tenant: they are reserved to the host.</summary>
    /// <typeparam name="TBuilder">The endpoint convention builder type.</typeparam>
    /// <param name="builder">The endpoints.</param>
    /// <returns>The builder.</returns>
    public static TBuilder RequireHost<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(Host);

    /// <summary>
    /// Reserves the endpoints to tenants that have <paramref name="feature"/>: others get 404, as for a path that does
    /// not exist; requests that name no tenant are refused as by <see cref="RequireTenant{TBuilder}"/>.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder type.</typeparam>
    /// <param name="builder">The endpoints (a route group applies it to all of its endpoints).</param>
    /// <param name="feature">The feature id.</param>
    /// <returns>The builder.</returns>
    public static TBuilder RequireFeature<TBuilder>(this TBuilder builder, string feature)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new RequireFeatureAttribute(feature));
}
