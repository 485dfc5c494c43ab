using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.AspNetCore.Diagnostics;
using TenantKit.AspNetCore.Problems;
using TenantKit.AspNetCore.Resolution;

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
    private readonly ITenantContextAccessor _accessor;
    private readonly TenantRequestOptions _options;
    private readonly PathBaseTenantStrategy[] _paths;
    private readonly ClaimTenantStrategy[] _claims;
    private readonly TimeSpan _catalogRetryAfter;
    private readonly ILogger _logger;
    private RequestDelegate? _reroute;

    public TenantMiddleware(RequestDelegate next, IServiceProvider services)
    {
        _next = next;
        _resolver = services.GetRequiredService<ITenantResolver<HttpContext>>();
        _runtime = services.GetRequiredService<ITenantRuntime>();
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
        if (EndpointOf(context)?.Metadata is { } metadata
            && metadata.GetMetadata<ExcludeFromTenantResolutionAttribute>() is not null
            && metadata.GetMetadata<RequireHostAttribute>() is null)
        {
            context.Features.Set<ITenantFeature>(NonTenantFeature.Excluded);
            return _next(context);
        }

        var pending = _resolver.ResolveAsync(context, context.RequestAborted);
        return pending.IsCompletedSuccessfully ? DispatchAsync(context, pending.Result) : AwaitResolutionAsync(context, pending);
    }

    /// <summary>The end of the second routing pass: enters the tenant resolved before the path was rebased.</summary>
    public Task EnterPendingAsync(HttpContext context)
    {
        if (context.Features.Get<ITenantFeature>() is not PendingTenantFeature pending)
        {
            throw new InvalidOperationException("The tenant rerouting pipeline ran without a resolved tenant.");
        }

        return EnterAsync(context, pending.Pending);
    }

    private async Task AwaitResolutionAsync(HttpContext context, ValueTask<TenantResolution> pending)
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

        await DispatchAsync(context, resolution).ConfigureAwait(false);
    }

    private Task DispatchAsync(HttpContext context, TenantResolution resolution)
    {
        switch (resolution.Status)
        {
            case TenantResolutionStatus.Resolved:
                return ServeTenantAsync(context, resolution.Tenant!);
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

    private Task ServeTenantAsync(HttpContext context, TenantInfo tenant)
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

        return _claims.Length == 0 ? RebaseOrEnterAsync(context, tenant) : CheckClaimsAsync(context, tenant);
    }

    private async Task CheckClaimsAsync(HttpContext context, TenantInfo tenant)
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

        await RebaseOrEnterAsync(context, tenant).ConfigureAwait(false);
    }

    private Task RebaseOrEnterAsync(HttpContext context, TenantInfo tenant)
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

        return EnterAsync(context, tenant);
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
                await EnterAsync(context, tenant).ConfigureAwait(false);
                return;
            }

            // Routing matched the path before it was rebased: match again, so /t/acme/orders reaches /orders.
            context.SetEndpoint(null);
            context.Features.Get<IRouteValuesFeature>()?.RouteValues.Clear();
            context.Features.Set<ITenantFeature>(new PendingTenantFeature(tenant));
            await _reroute(context).ConfigureAwait(false);
        }
        finally
        {
            request.PathBase = originalPathBase;
            request.Path = originalPath;
        }
    }

    private Task EnterAsync(HttpContext context, TenantInfo tenant)
    {
        if (EndpointOf(context)?.Metadata.GetMetadata<RequireHostAttribute>() is not null)
        {
            return RefuseAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.HostRequired,
                "The endpoint is reserved to the host.",
                "This endpoint serves the host only and cannot be used from a tenant.");
        }

        ValueTask<TenantLease> acquire;
        try
        {
            acquire = _runtime.AcquireAsync(tenant, context.RequestAborted);
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

    private async Task RunAsync(HttpContext context, TenantInfo tenant, TenantLease lease)
    {
        var feature = new TenantRequestFeature(tenant, lease);
        try
        {
            // Released with the request's own services, after the response completed: OnCompleted callbacks still
            // find their scope alive. The catch below covers servers that skip OnCompleted when the pipeline throws.
            context.Response.RegisterForDisposeAsync(feature);
        }
        catch
        {
            await feature.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var features = context.Features;
        var previousServices = features[typeof(IServiceProvidersFeature)];
        features[typeof(IServiceProvidersFeature)] = feature;
        features[typeof(ITenantFeature)] = feature;
        Activity.Current?.SetTag(TenantIdTag, tenant.Id);
        // Not disposed on purpose: this is an async method, and when it returns (or its continuation ends) the runtime
        // restores the caller's execution context, which ends the ambient tenant context with it. Disposing the scope
        // would write the AsyncLocal a second time on every request for nothing.
#pragma warning disable CA2000 // Dispose objects before losing scope
        _ = _accessor.BeginTenantScope(tenant, feature);
#pragma warning restore CA2000
        // As ASP.NET Core hosting does for its request scope: no logging scope when no logger is listening at all.
        using var logScope = _logger.IsEnabled(LogLevel.Critical) ? _logger.BeginScope(feature) : null;
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
            // Code after this middleware (outer middleware, OnCompleted callbacks) sees the application's services again.
            features[typeof(IServiceProvidersFeature)] = previousServices;
        }
    }

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
