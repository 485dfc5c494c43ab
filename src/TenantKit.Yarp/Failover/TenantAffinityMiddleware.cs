using System.Net.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.AspNetCore;
using TenantKit.Yarp.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace TenantKit.Yarp.Failover;

/// <summary>
/// The proxy pipeline's tenant step, before load balancing: reads the request's tenant once (a malformed identifier is
/// answered 400 <c>invalid-tenant-identifier</c>, as the nodes answer it, without a trip to a node); sends a tenant of
/// another region to that region's cluster; and when the chosen destination refuses the connection (the request never
/// reached it), marks it unhealthy and sends the request to the tenant's next choice, as it does with a request without
/// a body and with an idempotent method whose connection failed before an answer (a node killed under it).
/// </summary>
internal sealed partial class TenantAffinityMiddleware(
    RequestDelegate next,
    ProxyTenantReader reader,
    IOptions<TenantAffinityOptions> options,
    IDestinationHealthUpdater health,
    IProxyStateLookup proxyState,
    ILogger<TenantAffinityMiddleware> logger)
{
    /// <summary>How long a destination that refused a connection stays out when its cluster sets no reactivation period.</summary>
    internal static readonly TimeSpan DefaultReactivationPeriod = TimeSpan.FromSeconds(5);

    private readonly TenantAffinityOptions _options = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        var reading = await reader.Reader.ReadAsync(context, context.RequestAborted).ConfigureAwait(false);
        if (reading.IsInvalid)
        {
            await WriteInvalidIdentifierAsync(context).ConfigureAwait(false);
            return;
        }

        context.Features.Set(new TenantAffinityFeature(reading.Identifier));
        if (reading.HasIdentifier && _options.RegionOf is { } regionOf
            && regionOf(reading.Identifier) is { } region
            && _options.RegionClusters.TryGetValue(region, out var clusterId)
            && context.GetReverseProxyFeature().Cluster.Config.ClusterId != clusterId
            && proxyState.TryGetCluster(clusterId, out var regionCluster))
        {
            context.ReassignProxyRequest(regionCluster);
        }

        await ForwardWithFailoverAsync(context).ConfigureAwait(false);
    }

    private async Task ForwardWithFailoverAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        for (var attempt = 0; ; attempt++)
        {
            await next(context).ConfigureAwait(false);

            var error = context.Features.Get<IForwarderErrorFeature>();
            if (error is null || error.Error != ForwarderError.Request || proxy.ProxiedDestination is not { } failed)
            {
                return;
            }

            // A refused connection: nothing listens there. Out of rotation at once, without waiting for the health checks.
            var refused = IsRefusedConnection(error);
            if (refused)
            {
                MarkUnhealthy(context, failed);
            }

            var remaining = candidates.Where(d => !ReferenceEquals(d, failed)).ToList();
            if (attempt >= _options.FailoverAttempts || remaining.Count == 0 || context.Response.HasStarted || !CanSendAgain(context.Request, refused))
            {
                return;
            }

            LogFailover(logger, failed.DestinationId, proxy.Cluster.Config.ClusterId, refused ? "refused the connection" : "failed before answering");
            candidates = remaining;
            proxy.AvailableDestinations = remaining;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
    }

    /// <summary>The destination never received the request: nothing listens (refused) or nothing answered the connect.</summary>
    internal static bool IsRefusedConnection(IForwarderErrorFeature error)
    {
        if (error.Error != ForwarderError.Request)
        {
            return false;
        }

        for (var exception = error.Exception; exception is not null; exception = exception.InnerException)
        {
            if (exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a request whose destination failed can go to another: never with a body (it may have been read); a
    /// refused connection never reached the destination, so any other request can; a connection that failed later
    /// (reset by a node that died, closed before an answer) may have reached it, so only a safe, idempotent method can,
    /// as nginx's <c>proxy_next_upstream</c> does.
    /// </summary>
    internal static bool CanSendAgain(HttpRequest request, bool refused)
    {
        var canHaveBody = request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
        return !canHaveBody && (refused || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
    }

    private void MarkUnhealthy(HttpContext context, DestinationState destination)
    {
        var cluster = context.GetReverseProxyFeature().Cluster;
        if (cluster.Config.HealthCheck?.Passive?.Enabled == true
            && proxyState.TryGetCluster(cluster.Config.ClusterId, out var state))
        {
            health.SetPassive(state, destination, DestinationHealth.Unhealthy, cluster.Config.HealthCheck.Passive.ReactivationPeriod ?? DefaultReactivationPeriod);
        }
    }

    private static Task WriteInvalidIdentifierAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        return Results.Problem(
            detail: "The request names its tenant with a value that is not a valid tenant identifier.",
            statusCode: StatusCodes.Status400BadRequest,
            title: "The tenant identifier is malformed.",
            type: TenantProblemTypes.InvalidIdentifier).ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Destination {Destination} of cluster {Cluster} {What}: the request goes to the tenant's next choice.")]
    private static partial void LogFailover(ILogger logger, string destination, string cluster, string what);
}
