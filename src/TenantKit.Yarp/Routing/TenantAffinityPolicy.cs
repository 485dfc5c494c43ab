using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace TenantKit.Yarp.Routing;

/// <summary>
/// The <c>TenantAffinity</c> load-balancing policy: the request's tenant goes to its rendezvous choice among the
/// destinations YARP's health checks left available, or its next choice when that one is over the load bound. A request
/// that names no tenant goes to the least busy destination.
/// </summary>
internal sealed class TenantAffinityPolicy(ProxyTenantReader reader, IOptions<TenantAffinityOptions> options) : ILoadBalancingPolicy
{
    private readonly TenantAffinityOptions _options = options.Value;

    public string Name => TenantAffinityOptions.PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        var feature = context.Features.Get<TenantAffinityFeature>() ?? ReadNow(context);
        var index = feature.Identifier is null
            ? AffinityChooser.LeastBusy(availableDestinations.Count, i => availableDestinations[i].ConcurrentRequestCount)
            : AffinityChooser.Choose(
                feature.Hash,
                availableDestinations.Count,
                i => availableDestinations[i].DestinationId,
                i => availableDestinations[i].ConcurrentRequestCount,
                _options.LoadBound,
                _options.MinimumLoadBeforeSpill);
        return availableDestinations[index];
    }

    /// <summary>The policy used without <c>UseTenantAffinity()</c> in the proxy pipeline: read here (host, path and header strategies answer at once).</summary>
    private TenantAffinityFeature ReadNow(HttpContext context)
    {
        var reading = reader.Reader.ReadAsync(context, context.RequestAborted);
        if (!reading.IsCompletedSuccessfully)
        {
            // A strategy that must wait (a claim): this policy cannot; the request is treated as naming no tenant.
            _ = reading.AsTask();
        }

        var feature = new TenantAffinityFeature(reading.IsCompletedSuccessfully ? reading.Result.Identifier : null);
        context.Features.Set(feature);
        return feature;
    }
}
