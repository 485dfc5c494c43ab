using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace TenantKit.Samples.Front.Hosting;

/// <summary>The front's configuration keys, and the few steps that read them before the proxy starts.</summary>
public static class FrontConfiguration
{
    /// <summary>The nodes' addresses, space-separated: the variable <c>eng/cluster.sh</c> sets for its front.</summary>
    public const string BackendsKey = "TENANTKIT_CLUSTER_BACKENDS";

    /// <summary>YARP's own section: routes, clusters, health checks, destinations.</summary>
    public const string ProxySection = "ReverseProxy";

    /// <summary>The cluster the addresses of <see cref="BackendsKey"/> are added to.</summary>
    public const string ClusterId = "nodes";

    /// <summary>The section bound to <see cref="FrontTenantOptions"/>.</summary>
    public const string TenantsSection = "Front:Tenants";

    /// <summary>The section bound to TenantKit.Yarp's <c>TenantAffinityOptions</c>.</summary>
    public const string AffinitySection = "Front:Affinity";

    /// <summary>
    /// Adds each address of <see cref="BackendsKey"/> as a destination of the cluster <see cref="ClusterId"/>, with the
    /// ids <c>node-1</c>, <c>node-2</c>... in their order (the ids, not the addresses, decide which node owns a tenant).
    /// </summary>
    public static void AddClusterBackends(IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var backends = (configuration[BackendsKey] ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var destinations = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < backends.Length; i++)
        {
            if (!Uri.TryCreate(backends[i], UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException($"{BackendsKey}: '{backends[i]}' is not an http:// or https:// address.");
            }

            destinations[$"{ProxySection}:Clusters:{ClusterId}:Destinations:node-{i + 1}:Address"] = backends[i];
        }

        configuration.AddInMemoryCollection(destinations);
    }

    /// <summary>Refuses to start a front with nowhere to send requests.</summary>
    public static void ThrowIfNoDestination(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var any = configuration.GetSection($"{ProxySection}:Clusters").GetChildren()
            .SelectMany(c => c.GetSection("Destinations").GetChildren())
            .Any(d => !string.IsNullOrWhiteSpace(d["Address"]));
        if (!any)
        {
            throw new InvalidOperationException(
                $"The front has no node to send requests to: set {BackendsKey} (the nodes' addresses, space-separated) or " +
                $"{ProxySection}:Clusters:{ClusterId}:Destinations:{{id}}:Address.");
        }
    }

    /// <summary>The tenant strategies of <see cref="TenantsSection"/>; at least one template must be set.</summary>
    public static FrontTenantOptions Tenants(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var tenants = new FrontTenantOptions();
        configuration.GetSection(TenantsSection).Bind(tenants);
        if (string.IsNullOrWhiteSpace(tenants.HostTemplate) && string.IsNullOrWhiteSpace(tenants.PathBaseTemplate))
        {
            throw new InvalidOperationException($"{TenantsSection}: set HostTemplate, PathBaseTemplate or both, as on the nodes.");
        }

        return tenants;
    }

    /// <summary>Prints where the front listens and where it sends requests.</summary>
    public static void PrintBanner(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var destinations = app.Configuration.GetSection($"{ProxySection}:Clusters").GetChildren()
            .SelectMany(c => c.GetSection("Destinations").GetChildren().Select(d => $"{c.Key}/{d.Key} {d["Address"]}"));
        var tenants = Tenants(app.Configuration);
        Console.Out.WriteLine(string.Join(Environment.NewLine,
        [
            string.Empty,
            "TenantKit sample front (YARP, TenantAffinity) is running on " + string.Join(" ", addresses),
            "  Nodes          " + string.Join(", ", destinations),
            $"  Tenants read   host '{tenants.HostTemplate}', then path base '{tenants.PathBaseTemplate}' (Front:Tenants)",
            "  Press Ctrl+C to stop.",
            string.Empty,
        ]));
    }
}
