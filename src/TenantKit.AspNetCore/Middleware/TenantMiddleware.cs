using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.AspNetCore.Diagnostics;
using TenantKit.AspNetCore.Problems;
using TenantKit.AspNetCore.Resolution;
using TenantKit.Resolution;
using TenantKit.Runtime;

namespace TenantKit.AspNetCore.Middleware;

/// <summary>
/// Puts each request inside its tenant: resolves the tenant, checks its state, region and the endpoint's requirements,
/// takes a lease on its container, makes <see cref="HttpContext.RequestServices"/> a scope of that container, sets the
/// ambient tenant context, a logging scope and the request activity's <c>tenant.id</c> tag, and releases the scope and
/// the lease when the response ends, also when the request throws or is aborted. Refusals are problem documents.
/// </summary>
internal sealed class TenantMiddleware
{
    /// <summary>The request activity's tag holding the tenant id.</summary>
    public const string TenantIdTag = "tenant.id";

    private readonly RequestDelegate _next;
    private readonly ITenantResolver<HttpContext> _resolver;
    private readonly ITenantRuntime _runtime;
    private readonly TenantRuntime? _residentRuntime;
    private readonly ITenantContextAccessor _accessor;
    private readonly TenantRequestOptions _options;
    private readonly PathBaseTenantStrategy[] _paths;
    private readonly ClaimTenantStrategy[] _claims;
    private readonly TimeSpan _catalogRetryAfter;
    private readonly ILogger _logger;
    private RequestDelegate? _reroute;

    /// <summary>Disposes a request's tenant feature when the response has completed.</summary>
    private static readonly Func<object, Task> DisposeFeature = static state => ((TenantRequestFeature)state).DisposeAsync().AsTask();

    public TenantMiddleware(RequestDelegate next, IServiceProvider services)
    {
        _next = next;
        _resolver = services.GetRequiredService<ITenantResolver<HttpContext>>();
        _runtime = services.GetRequiredService<ITenantRuntime>();
        // TenantKit's own resolver and runtime have warm paths that need no cancellation token: the request's abort
        // token (which servers create on first use, under a lock) is only asked for when a tenant must be looked up or
        // built. A replaced resolver or runtime is called through its interface.
        _residentRuntime = _runtime as TenantRuntime;
        _accessor = services.GetRequiredService<ITenantContextAccessor>();
        _options = services.GetRequiredService<IOptions<TenantRequestOptions>>().Value;
        _catalogRetryAfter = services.GetRequiredService<IOptions<TenantCatalogOptions>>().Value.StoreRetryInterval;
        var strategies = services.GetRequiredService<TenantHttpStrategies>();
        _paths = [.. strategies.PathBase];
        _claims = [.. strategies.Claims];
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("TenantKit.AspNetCore.TenantMiddleware");
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
            return _next(context);
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
            case TenantResolutionStatus.InvalidIdentifier:
                return RefuseAsync(context, StatusCodes.Status400BadRequest, TenantProblemTypes.InvalidIdentifier,
                    "The tenant identifier is malformed.",
                    "The request names its tenant with a value that is not a valid tenant identifier.");
            case TenantResolutionStatus.CatalogUnavailable:
                return RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.CatalogUnavailable,
                    "The tenant catalog is unavailable.",
                    "The tenant could not be looked up because the tenant store is unavailable. Try again later.",
                    _catalogRetryAfter);
            default:
                return RefuseAsync(context, StatusCodes.Status404NotFound, TenantProblemTypes.TenantNotFound,
                    "The tenant does not exist.",
                    "No tenant matches this request.");
        }
    }

    private Task ServeTenantAsync(HttpContext context, Endpoint? endpoint, TenantInfo tenant)
    {
        if (!tenant.IsActive)
        {
            return RefuseSuspendedAsync(context);
        }

        if (_options.Region is { } region && tenant.Region is { } tenantRegion
            && !string.Equals(region, tenantRegion, StringComparison.OrdinalIgnoreCase))
        {
            return RefuseAsync(context, StatusCodes.Status421MisdirectedRequest, TenantProblemTypes.RegionMismatch,
                "The tenant is served in another region.",
                "This server does not serve the tenant's region; send the request to the tenant's region.");
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
                await RefuseAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.TenantMismatch,
                    "The user belongs to another tenant.",
                    "The signed-in user's tenant is not the tenant this request names.").ConfigureAwait(false);
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
            return RefuseAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.HostRequired,
                "The endpoint is reserved to the host.",
                "This endpoint serves the host only and cannot be used from a tenant.");
        }

        if (_residentRuntime is not null && _residentRuntime.TryAcquireResident(tenant, out var resident))
        {
            return RunAsync(context, tenant, resident);
        }

        ValueTask<TenantLease> acquire;
        try
        {
            acquire = _runtime.AcquireAsync(tenant, RequestAbortedOf(context));
        }
        catch (Exception ex) when (ex is TenantKitException or ObjectDisposedException)
        {
            return RefuseAcquireAsync(context, ex);
        }

        return acquire.IsCompletedSuccessfully ? RunAsync(context, tenant, acquire.Result) : AwaitAcquireAsync(context, tenant, acquire);
    }

    private async Task AwaitAcquireAsync(HttpContext context, TenantInfo tenant, ValueTask<TenantLease> acquire)
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
            await RefuseAcquireAsync(context, ex).ConfigureAwait(false);
            return;
        }

        await RunAsync(context, tenant, lease).ConfigureAwait(false);
    }

    private Task RunAsync(HttpContext context, TenantInfo tenant, TenantLease lease)
    {
        var feature = new TenantRequestFeature(tenant, lease);
        var features = context.Features;
        try
        {
            // Released with the request's own services, after the response completed: OnCompleted callbacks still
            // find their scope alive. The failure paths below cover servers that skip OnCompleted when the pipeline
            // throws. Through the response feature itself: HttpResponse's goes through a generic feature lookup.
            if (features[typeof(IHttpResponseFeature)] is IHttpResponseFeature response)
            {
                response.OnCompleted(DisposeFeature, feature);
            }
            else
            {
                context.Response.RegisterForDisposeAsync(feature);
            }
        }
        catch (Exception ex)
        {
            return DisposeAndThrowAsync(feature, ExceptionDispatchInfo.Capture(ex));
        }

        // The caller's execution context, restored before returning to it, as an async method does on return: here
        // without an async method's cost when the rest of the pipeline completes synchronously. Null when the flow is
        // suppressed; then an async method restores it.
        var caller = ExecutionContext.Capture();
        if (caller is null)
        {
            return RunWithoutFlowAsync(context, tenant, feature);
        }

        var previousServices = Enter(features, tenant, feature);
        var logScope = BeginLogScope(feature);
        Task next;
        try
        {
            next = _next(context);
        }
        catch (Exception ex)
        {
            next = Task.FromException(ex);
        }

        if (next.IsCompletedSuccessfully)
        {
            logScope?.Dispose();
            // Code after this middleware (outer middleware, OnCompleted callbacks) sees the application's services again.
            features[typeof(IServiceProvidersFeature)] = previousServices;
            ExecutionContext.Restore(caller);
            return Task.CompletedTask;
        }

        // The caller goes on outside the tenant, as after an async method's first await; the rest runs when it is done.
        ExecutionContext.Restore(caller);
        return LeaveAsync(next, feature, features, previousServices, logScope);
    }

    private static async Task LeaveAsync(Task next, TenantRequestFeature feature, IFeatureCollection features, object? previousServices, IDisposable? logScope)
    {
        try
        {
            await next.ConfigureAwait(false);
        }
        catch
        {
            await feature.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            logScope?.Dispose();
            features[typeof(IServiceProvidersFeature)] = previousServices;
        }
    }

    /// <summary><see cref="RunAsync"/> when the execution context does not flow: an async method restores what it changes.</summary>
    private async Task RunWithoutFlowAsync(HttpContext context, TenantInfo tenant, TenantRequestFeature feature)
    {
        var features = context.Features;
        var previousServices = Enter(features, tenant, feature);
        using var logScope = BeginLogScope(feature);
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch
        {
            await feature.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            features[typeof(IServiceProvidersFeature)] = previousServices;
        }
    }

    /// <summary>
    /// Puts the request inside the tenant: its services, its feature, the activity's tag and the ambient tenant
    /// context (ended by the caller's execution context being restored). Returns the services feature it replaced.
    /// </summary>
    private object? Enter(IFeatureCollection features, TenantInfo tenant, TenantRequestFeature feature)
    {
        var previousServices = features[typeof(IServiceProvidersFeature)];
        features[typeof(IServiceProvidersFeature)] = feature;
        features[typeof(ITenantFeature)] = feature;
        Activity.Current?.SetTag(TenantIdTag, tenant.Id);
        // Restoring the caller's execution context ends it: no scope object needed (TenantKit's accessor makes none).
        _accessor.EnterTenant(tenant, feature);
        return previousServices;
    }

    /// <summary>As ASP.NET Core hosting does for its request scope: no logging scope when no logger is listening at all.</summary>
    private IDisposable? BeginLogScope(TenantRequestFeature feature) => _logger.IsEnabled(LogLevel.Critical) ? _logger.BeginScope(feature) : null;

    private static async Task DisposeAndThrowAsync(TenantRequestFeature feature, ExceptionDispatchInfo error)
    {
        await feature.DisposeAsync().ConfigureAwait(false);
        error.Throw();
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
            && (_options.NonTenantRequests == NonTenantRequestHandling.Refuse || metadata?.GetMetadata<RequireTenantAttribute>() is not null))
        {
            return RefuseAsync(context, StatusCodes.Status404NotFound, TenantProblemTypes.TenantRequired,
                "A tenant is required.",
                "This endpoint serves tenants only, and the request names no tenant.");
        }

        context.Features.Set<ITenantFeature>(NonTenantFeature.Host);
        return _options.NonTenantRequests == NonTenantRequestHandling.ServeAsHost ? ServeAsHostAsync(context) : _next(context);
    }

    private async Task ServeAsHostAsync(HttpContext context)
    {
        using var host = _accessor.BeginHostScope();
        await _next(context).ConfigureAwait(false);
    }

    private Task RefuseSuspendedAsync(HttpContext context)
        => RefuseAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.TenantSuspended,
            "The tenant is suspended.",
            "The tenant this request names is suspended and cannot be served.");

    private Task RefuseAcquireAsync(HttpContext context, Exception error)
    {
        return error switch
        {
            TenantSuspendedException => RefuseSuspendedAsync(context),
            TenantLoadException load => RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.TenantLoadFailed,
                "The tenant is temporarily unavailable.",
                "The tenant could not be loaded. Try again later.",
                load.RetryAfter),
            ObjectDisposedException => RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.RuntimeStopping,
                "The server is shutting down.",
                "The server is stopping and no longer serves tenants. Try again later.",
                TimeSpan.FromSeconds(1)),
            _ => RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.TenantLoadFailed,
                "The tenant is temporarily unavailable.",
                "The tenant could not be loaded. Try again later.",
                TimeSpan.FromSeconds(1)),
        };
    }

    private Task RefuseAsync(HttpContext context, int status, string type, string title, string detail, TimeSpan? retryAfter = null)
    {
        AdapterLog.Refused(_logger, status, type);
        return TenantProblems.WriteAsync(context, status, type, title, detail, retryAfter);
    }
}
