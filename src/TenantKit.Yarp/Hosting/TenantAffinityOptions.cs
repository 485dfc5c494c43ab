namespace TenantKit.Yarp;

/// <summary>
/// How the <c>TenantAffinity</c> load-balancing policy spreads tenants over a cluster's destinations, and what the
/// proxy does when a destination refuses a connection. Set with
/// <c>services.AddReverseProxy().AddTenantAffinity(strategies, options => ...)</c>.
/// </summary>
public sealed class TenantAffinityOptions
{
    /// <summary>The name to give a cluster's <c>LoadBalancingPolicy</c>: <c>TenantAffinity</c>.</summary>
    public const string PolicyName = "TenantAffinity";

    /// <summary>
    /// ε of consistent hashing with bounded loads: a destination whose requests in flight (through this proxy) would
    /// exceed (1 + ε) times the cluster's average takes no more requests, which go to each tenant's next choice.
    /// 0 balances strictly (tenants spill as soon as a destination is above average); larger values keep more tenants
    /// on their first choice.
    /// <value>The default is 0.25.</value>
    /// </summary>
    public double LoadBound { get; set; } = 0.25;

    /// <summary>
    /// Requests in flight below which a destination always takes its own tenants, whatever the average: at low load the
    /// bound would otherwise move tenants for the noise of one or two requests, and every move is a container build.
    /// <value>The default is 16.</value>
    /// </summary>
    public int MinimumLoadBeforeSpill { get; set; } = 16;

    /// <summary>
    /// How many more destinations a request is sent to (each tenant's next choices) when its destination fails before
    /// answering: a refused connection (the request never reached it; the destination is also marked unhealthy at once
    /// when the cluster enables passive health checks), or, for a GET, HEAD or OPTIONS request, a connection reset or
    /// closed before the answer (a node killed under it), as nginx's <c>proxy_next_upstream</c> does. A request with a
    /// body is never sent again.
    /// <value>The default is 2.</value>
    /// </summary>
    public int FailoverAttempts { get; set; } = 2;

    /// <summary>
    /// Optional: the region of a tenant, from its identifier, when the request's route (host name, header) does not say
    /// it. Must be fast and must not call the catalog on the request path (a table loaded in memory). Return
    /// <see langword="null"/> to keep the route's cluster. Used with <see cref="RegionClusters"/>.
    /// <value>The default is <see langword="null"/>: the route's cluster serves the request.</value>
    /// </summary>
    public Func<string, string?>? RegionOf { get; set; }

    /// <summary>
    /// The cluster serving each region (<c>RegionClusters["eu-west"] = "eu"</c>): a tenant whose region
    /// <see cref="RegionOf"/> names is sent to that cluster, whatever route matched.
    /// </summary>
    public IDictionary<string, string> RegionClusters { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}
