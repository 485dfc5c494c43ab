using Microsoft.Extensions.DependencyInjection;
using TenantKit.AspNetCore;
using TenantKit.AspNetCore.HostFiltering;
using TenantKit.AspNetCore.Resolution;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Host-header filtering derived from TenantKit's host templates.</summary>
public static class TenantHostFilteringExtensions
{
    /// <summary>
    /// Answers <c>400</c> (a <c>host-not-allowed</c> problem document) to every request whose <c>Host</c> is neither a
    /// tenant host (a host-strategy template matches it) nor one of <see cref="TenantHostFilteringOptions.AllowedHosts"/>.
    /// Call it first, or right after <c>UseForwardedHeaders()</c> behind a proxy (so the host checked is the one the
    /// proxy received, and only from proxies you trust). ASP.NET Core's <c>AllowedHosts</c> setting is <c>*</c> in the
    /// templates; this is what makes it safe.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <param name="configure">Lists the application's own host names (<c>localhost</c>, <c>example.com</c>) and extras.</param>
    /// <returns>The application builder.</returns>
    /// <exception cref="InvalidOperationException">TenantKit's HTTP services are not registered, or no host would be allowed.</exception>
    public static IApplicationBuilder UseTenantHostFiltering(this IApplicationBuilder app, Action<TenantHostFilteringOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var strategies = app.ApplicationServices.GetService<TenantHttpStrategies>()
            ?? throw new InvalidOperationException("TenantKit's ASP.NET Core services are not registered: call AddTenantKit(b => b.WithHostStrategy(...)) first.");
        var options = new TenantHostFilteringOptions();
        configure?.Invoke(options);
        return app.UseMiddleware<TenantHostFilteringMiddleware>(options, strategies);
    }
}
