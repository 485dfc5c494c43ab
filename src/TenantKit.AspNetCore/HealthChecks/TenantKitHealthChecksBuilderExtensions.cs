using Microsoft.Extensions.Diagnostics.HealthChecks;
using TenantKit.AspNetCore.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds TenantKit's health checks.</summary>
public static class TenantKitHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds two checks: <paramref name="catalogName"/> (the tenant store answers; unhealthy when it does not) and
    /// <paramref name="runtimeName"/> (the runtime's totals; degraded while a tenant fails to load). Map the health
    /// endpoint with <c>.ExcludeFromTenantResolution()</c> so it answers on any host name.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="catalogName">The catalog check's name. <value>The default is <c>tenantkit-catalog</c>.</value></param>
    /// <param name="runtimeName">The runtime check's name. <value>The default is <c>tenantkit-runtime</c>.</value></param>
    /// <param name="tags">Tags for both checks (<c>ready</c>, to filter a readiness endpoint).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddTenantKitHealthChecks(
        this IHealthChecksBuilder builder,
        string catalogName = "tenantkit-catalog",
        string runtimeName = "tenantkit-runtime",
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(catalogName);
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeName);
        var tagList = tags?.ToArray() ?? [];
        builder.Add(new HealthCheckRegistration(catalogName, sp => ActivatorUtilities.CreateInstance<TenantCatalogHealthCheck>(sp), HealthStatus.Unhealthy, tagList));
        builder.Add(new HealthCheckRegistration(runtimeName, sp => ActivatorUtilities.CreateInstance<TenantRuntimeHealthCheck>(sp), HealthStatus.Degraded, tagList));
        return builder;
    }
}
