using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TenantKit.Yarp;
using TenantKit.Yarp.Hosting;
using TenantKit.Yarp.Routing;
using Yarp.ReverseProxy.LoadBalancing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds tenant affinity to a YARP reverse proxy.</summary>
public static class TenantAffinityReverseProxyBuilderExtensions
{
    /// <summary>
    /// Adds the <c>TenantAffinity</c> load-balancing policy (set <c>LoadBalancingPolicy = "TenantAffinity"</c> on a
    /// cluster): each tenant's requests go to one destination, chosen by rendezvous hashing of its identifier over the
    /// destinations YARP's health checks leave available, with bounded load. <paramref name="strategies"/> declares how
    /// requests name their tenant with the same calls as the nodes (<c>tenants => tenants.WithHostStrategy("{tenant}.example.com")</c>);
    /// the proxy reads and validates the identifier as they do, and needs no catalog. Add <c>UseTenantAffinity()</c> to
    /// the proxy pipeline for the 400 on malformed identifiers, region clusters and failover. Calling it again replaces
    /// nothing: the first strategies stay.
    /// </summary>
    /// <param name="builder">The reverse proxy's builder.</param>
    /// <param name="strategies">Declares the strategies (host, path, header, query), as on the nodes.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static IReverseProxyBuilder AddTenantAffinity(this IReverseProxyBuilder builder, Action<TenantKitBuilder> strategies, Action<TenantAffinityOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(strategies);
        var services = builder.Services;
        var options = services.AddOptions<TenantAffinityOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantAffinityOptions>, TenantAffinityOptionsValidator>());

        // Built here, so a malformed template fails when the proxy is configured, as it does on the nodes.
        services.TryAddSingleton(new ProxyTenantReader(strategies));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, TenantAffinityPolicy>());
        return builder;
    }
}
