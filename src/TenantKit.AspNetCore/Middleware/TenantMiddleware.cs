using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.AspNetCore.Diagnostics;
using TenantKit.AspNetCore.Resolution;
using TenantKit.Features;
using TenantKit.Resolution;
using TenantKit.Runtime;

namespace TenantKit.AspNetCore.Middleware;

/// <summary>
/// Puts each request inside its tenant: resolves the tenant, checks its state, region and the endpoint's requirements,
/// takes a lease on its container, and runs the rest of the pipeline inside it (<see cref="TenantRequestRunner"/>:
/// request services, ambient tenant context, logging scope and activity tag, all released when the response ends).
/// Refusals are problem documents (<see cref="TenantRefusals"/>).
/// </summary>
internal sealed class TenantMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ITenantResolver<HttpContext> _resolver;
    private readonly ITenantRuntime _runtime;
    private readonly ITenantContextAccessor _accessor;
    private readonly TenantRequestOptions _options;
    private readonly PathBaseTenantStrategy[] _paths;
    private readonly ClaimTenantStrategy[] _claims;
    private readonly TenantRequestRunner _runner;
    private readonly TenantRefusals _refusals;
    private readonly TenantFeatureRegistry? _features;
    private readonly ILogger _logger;
    private RequestDelegate? _reroute;

    public TenantMiddleware(RequestDelegate next, IServiceProvider services)
    {
        _next = next;
        _resolver = services.GetRequiredService<ITenantResolver<HttpContext>>();
        _runtime = services.GetRequiredService<ITenantRuntime>();
        // TenantKit's own resolver and runtime have warm paths that need no cancellation token: the request's abort
        // token (which servers create on first use, under a lock) is only asked for when a tenant must be looked up or
        // built. A replaced resolver or runtime is called through its interface.
        _accessor = services.GetRequiredService<ITenantContextAccessor>();
        _options = services.GetRequiredService<IOptions<TenantRequestOptions>>().Value;
        var strategies = services.GetRequiredService<TenantHttpStrategies>();
        _paths = [.. strategies.PathBase];
        _claims = [.. strategies.Claims];
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("TenantKit.AspNetCore.TenantMiddleware");
        _logger = logger;
        _features = services.GetService<TenantFeatureRegistry>();
        _refusals = new TenantRefusals(logger, services.GetRequiredService<IOptions<TenantCatalogOptions>>().Value.StoreRetryInterval);
        _runner = new TenantRequestRunner(next, _accessor, logger, _refusals);
    }

    /// <summary><see langword="true"/> when a path-base strategy is declared, so rebased requests need a second routing pass.</summary>
    public bool RebasesPaths => _paths.Length > 0;

    /// <summary>Sets the pipeline that runs routing again on a rebased path, then <see cref="EnterPendingAsync"/>.</summary>
    public void UseReroute(RequestDelegate reroute) => _reroute = reroute;

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = EndpointOf(context);
        if (endpoint?.Metadata is { } metadata
            && metadata.GetMetadata<ExcludeFromTenantResolutionAttribute>() is not null
            && metadata.GetMetadata<RequireHostAttribute>() is null)
        {
            context.Features[typeof(ITenantFeature)] = NonTenantFeature.Excluded;
            return NextWithoutTenantAsync(context);
        }

        // The resolver's warm path (a decorator that does not forward it declines, and is asked through ResolveAsync).
        if (_resolver.TryResolveRecent(context, out var recalled))
        {
            return DispatchAsync(context, endpoint, recalled);
        }

        var pending = _resolver.ResolveAsync(context, RequestAbortedOf(context));
        return pending.IsCompletedSuccessfully ? DispatchAsync(context, endpoint, pending.Result) : AwaitResolutionAsync(context, endpoint, pending);
    }

    /// <summary>The end of the second routing pass: enters the tenant resolved before the path was rebased.</summary>
    public Task EnterPendingAsync(HttpContext context)
    {
        var pending = context.Features.Get<PendingTenantFeature>()
            ?? throw new InvalidOperationException("The tenant rerouting pipeline ran without a resolved tenant.");
        context.Features.Set<PendingTenantFeature>(null);
        return EnterAsync(context, EndpointOf(context), pending.Pending);
    }

    private async Task AwaitResolutionAsync(HttpContext context, Endpoint? endpoint, ValueTask<TenantResolution> pending)
    {
        TenantResolution resolution;
        try
        {
            resolution = await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        await DispatchAsync(context, endpoint, resolution).ConfigureAwait(false);
    }

    private Task DispatchAsync(HttpContext context, Endpoint? endpoint, TenantResolution resolution)
    {
        switch (resolution.Status)
        {
            case TenantResolutionStatus.Resolved:
                return ServeTenantAsync(context, endpoint, resolution.Tenant!);
            case TenantResolutionStatus.NoIdentifier:
                return ServeNonTenantAsync(context);
            default:
                return _refusals.UnresolvedAsync(context, resolution.Status);
        }
    }

    private Task ServeTenantAsync(HttpContext context, Endpoint? endpoint, TenantInfo tenant)
    {
        if (!tenant.IsActive)
        {
            return _refusals.SuspendedAsync(context);
        }

        if (_options.Region is { } region && tenant.Region is { } tenantRegion
            && !string.Equals(region, tenantRegion, StringComparison.OrdinalIgnoreCase))
        {
            return _refusals.RegionMismatchAsync(context);
        }

        return _claims.Length == 0 ? RebaseOrEnterAsync(context, endpoint, tenant) : CheckClaimsAsync(context, endpoint, tenant);
    }

    private async Task CheckClaimsAsync(HttpContext context, Endpoint? endpoint, TenantInfo tenant)
    {
        foreach (var strategy in _claims)
        {
            var claimed = await strategy.GetIdentifierAsync(context, context.RequestAborted).ConfigureAwait(false);
            if (!claimed.IsEmpty && !claimed.Span.Equals(tenant.Identifier, StringComparison.OrdinalIgnoreCase))
            {
                await _refusals.TenantMismatchAsync(context).ConfigureAwait(false);
                return;
            }
        }

        await RebaseOrEnterAsync(context, endpoint, tenant).ConfigureAwait(false);
    }

    private Task RebaseOrEnterAsync(HttpContext context, Endpoint? endpoint, TenantInfo tenant)
    {
        if (_paths.Length > 0)
        {
            var path = context.Request.Path.Value;
            foreach (var strategy in _paths)
            {
                var identifier = IdentifierText.Prepare(strategy.Match(path, out var prefixLength));
                if (!identifier.IsEmpty && identifier.Span.Equals(tenant.Identifier, StringComparison.OrdinalIgnoreCase))
                {
                    return RebaseAsync(context, tenant, path!, prefixLength);
                }
            }
        }

        return EnterAsync(context, endpoint, tenant);
    }

    private async Task RebaseAsync(HttpContext context, TenantInfo tenant, string path, int prefixLength)
    {
        var request = context.Request;
        var originalPathBase = request.PathBase;
        var originalPath = request.Path;
        request.PathBase = originalPathBase.Add(new PathString(path[..prefixLength]));
        request.Path = prefixLength == path.Length ? PathString.Empty : new PathString(path[prefixLength..]);
        try
        {
            if (_reroute is null)
            {
                await EnterAsync(context, EndpointOf(context), tenant).ConfigureAwait(false);
                return;
            }

            // Routing matched the path before it was rebased: match again, so /t/acme/orders reaches /orders.
            context.SetEndpoint(null);
            context.Features.Get<IRouteValuesFeature>()?.RouteValues.Clear();
            var pending = new PendingTenantFeature(tenant);
            context.Features.Set<ITenantFeature>(pending);
            context.Features.Set(pending);
            await _reroute(context).ConfigureAwait(false);
        }
        finally
        {
            request.PathBase = originalPathBase;
            request.Path = originalPath;
        }
    }

    private Task EnterAsync(HttpContext context, Endpoint? endpoint, TenantInfo tenant)
    {
        if (endpoint?.Metadata.GetMetadata<RequireHostAttribute>() is not null)
        {
            return _refusals.HostRequiredAsync(context);
        }

        if (_runtime.TryAcquireResident(tenant, out var resident))
        {
            return RunAsync(context, endpoint, resident);
        }

        ValueTask<TenantLease> acquire;
        try
        {
            acquire = _runtime.AcquireAsync(tenant, RequestAbortedOf(context));
        }
        catch (Exception ex) when (ex is TenantKitException or ObjectDisposedException)
        {
            return _refusals.AcquireFailedAsync(context, ex);
        }

        return acquire.IsCompletedSuccessfully ? RunAsync(context, endpoint, acquire.Result) : AwaitAcquireAsync(context, endpoint, acquire);
    }

    private async Task AwaitAcquireAsync(HttpContext context, Endpoint? endpoint, ValueTask<TenantLease> acquire)
    {
        TenantLease lease;
        try
        {
            lease = await acquire.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is TenantKitException or ObjectDisposedException)
        {
            await _refusals.AcquireFailedAsync(context, ex).ConfigureAwait(false);
            return;
        }

        await RunAsync(context, endpoint, lease).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the rest of the pipeline inside the tenant (see <see cref="TenantRequestRunner"/>), as the snapshot its
    /// container was built from: while a change builds, the resolved tenant may be newer than the
    /// generation serving the request (the runtime's <c>RequiresNewGeneration</c> decides), and the request must not
    /// see new data with a container built from the old.
    /// </summary>
    /// <remarks>
    /// An endpoint marked <see cref="RequireFeatureAttribute"/> is checked against the features of the generation that
    /// serves the request (the set its container was built with), and refused as a path that does not exist when one
    /// is missing. An endpoint without the mark costs one metadata lookup, as <see cref="RequireHostAttribute"/> does.
    /// </remarks>
    private Task RunAsync(HttpContext context, Endpoint? endpoint, TenantLease lease)
    {
        if (endpoint?.Metadata.GetOrderedMetadata<RequireFeatureAttribute>() is { Count: > 0 } required && !HasFeatures(lease, required))
        {
            lease.Dispose();
            WarnOfUndeclaredFeatures(endpoint, required);
            return _refusals.FeatureAbsentAsync(context);
        }

        return _runner.RunAsync(context, lease.Tenant, lease);
    }

    /// <summary>On a refusal (never on the served path): an endpoint that names a feature nobody declared is a typo, logged.</summary>
    private void WarnOfUndeclaredFeatures(Endpoint endpoint, IReadOnlyList<RequireFeatureAttribute> required)
    {
        foreach (var mark in required)
        {
            if (_features?.Find(mark.Feature) is null)
            {
                AdapterLog.UndeclaredFeature(_logger, endpoint.DisplayName ?? "(unnamed)", mark.Feature);
            }
        }
    }

    private static bool HasFeatures(TenantLease lease, IReadOnlyList<RequireFeatureAttribute> required)
    {
        if (lease.Services.GetService(typeof(ITenantFeatures)) is not ITenantFeatures features)
        {
            return false;
        }

        for (var i = 0; i < required.Count; i++)
        {
            if (!features.IsEnabled(required[i].Feature))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The request's abort token through the feature collection's indexer (see <see cref="EndpointOf"/>).</summary>
    private static CancellationToken RequestAbortedOf(HttpContext context)
        => context.Features[typeof(IHttpRequestLifetimeFeature)] is IHttpRequestLifetimeFeature lifetime ? lifetime.RequestAborted : context.RequestAborted;

    /// <summary>
    /// <c>HttpContext.GetEndpoint()</c> through the feature collection's indexer: the generic <c>Get&lt;T&gt;</c> is a
    /// generic virtual call, several times slower, and this runs on every request (as do the indexer writes above).
    /// </summary>
    private static Endpoint? EndpointOf(HttpContext context) => (context.Features[typeof(IEndpointFeature)] as IEndpointFeature)?.Endpoint;

    private Task ServeNonTenantAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<RequireHostAttribute>() is null
            && (_options.NonTenantRequests == NonTenantRequestHandling.Refuse || metadata?.GetMetadata<RequireTenantAttribute>() is not null
                || metadata?.GetMetadata<RequireFeatureAttribute>() is not null))
        {
            return _refusals.TenantRequiredAsync(context);
        }

        context.Features.Set<ITenantFeature>(NonTenantFeature.Host);
        return _options.NonTenantRequests == NonTenantRequestHandling.ServeAsHost ? ServeAsHostAsync(context) : NextWithoutTenantAsync(context);
    }

    private async Task ServeAsHostAsync(HttpContext context)
    {
        using var host = _accessor.BeginHostScope();
        await NextWithoutTenantAsync(context).ConfigureAwait(false);
    }

    /// <summary>
    /// The rest of the pipeline for a request served for no tenant: an endpoint that turns out to need one (it reads
    /// tenant data, through EF Core for instance, without <c>RequireTenant()</c>) is answered as
    /// <c>RequireTenant()</c> would have answered, not with a 500 (see <see cref="TenantRefusals.AnswersThrown"/>).
    /// No async state machine when the rest completes at once.
    /// </summary>
    private Task NextWithoutTenantAsync(HttpContext context)
    {
        Task next;
        try
        {
            next = _next(context);
        }
        catch (Exception ex)
        {
            next = Task.FromException(ex);
        }

        return next.IsCompletedSuccessfully ? next : AnswerRefusalsWithoutTenantAsync(context, next);
    }

    private async Task AnswerRefusalsWithoutTenantAsync(HttpContext context, Task next)
    {
        try
        {
            await next.ConfigureAwait(false);
        }
        catch (TenantKitException ex) when (TenantRefusals.AnswersThrown(context, ex, servedForTenant: false))
        {
            await _refusals.ThrownAsync(context, ex).ConfigureAwait(false);
        }
    }
}
