using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace TenantKit.AspNetCore.Middleware;

/// <summary>
/// Runs the rest of a request's pipeline inside its tenant, for <see cref="TenantMiddleware"/>: makes
/// <see cref="HttpContext.RequestServices"/> a scope of the tenant's container, sets the ambient tenant context, a
/// logging scope and the request activity's <c>tenant.id</c> tag, and releases the scope and the lease when the response
/// ends, also when the request throws or is aborted. A refusal the application throws inside the tenant (a host-only
/// operation, another tenant's data) is answered as a problem document (<see cref="TenantRefusals.AnswersThrown"/>).
/// Without an async state machine when the rest completes at once.
/// </summary>
internal sealed class TenantRequestRunner
{
    /// <summary>The request activity's tag holding the tenant id.</summary>
    public const string TenantIdTag = "tenant.id";

    /// <summary>Disposes a request's tenant feature when the response has completed.</summary>
    private static readonly Func<object, Task> DisposeFeature = static state => ((TenantRequestFeature)state).DisposeAsync().AsTask();

    private readonly RequestDelegate _next;
    private readonly ITenantContextAccessor _accessor;
    private readonly ILogger _logger;
    private readonly TenantRefusals _refusals;

    /// <summary>Creates the runner of one middleware.</summary>
    /// <param name="next">The rest of the pipeline.</param>
    /// <param name="accessor">The ambient tenant context.</param>
    /// <param name="logger">The middleware's logger, whose scope carries the tenant.</param>
    /// <param name="refusals">Answers the refusals the application throws.</param>
    public TenantRequestRunner(RequestDelegate next, ITenantContextAccessor accessor, ILogger logger, TenantRefusals refusals)
    {
        _next = next;
        _accessor = accessor;
        _logger = logger;
        _refusals = refusals;
    }

    /// <summary>Runs the rest of the pipeline inside the tenant, on a lease taken for this request (released with the response).</summary>
    public Task RunAsync(HttpContext context, TenantInfo tenant, TenantLease lease)
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
        return LeaveAsync(context, next, feature, previousServices, logScope);
    }

    private async Task LeaveAsync(HttpContext context, Task next, TenantRequestFeature feature, object? previousServices, IDisposable? logScope)
    {
        var features = context.Features;
        try
        {
            // Answered inside the tenant (its problem details service), before its services are put back.
            try
            {
                await next.ConfigureAwait(false);
            }
            catch (TenantKitException ex) when (TenantRefusals.AnswersThrown(context, ex, servedForTenant: true))
            {
                await _refusals.ThrownAsync(context, ex).ConfigureAwait(false);
            }
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
            try
            {
                await _next(context).ConfigureAwait(false);
            }
            catch (TenantKitException ex) when (TenantRefusals.AnswersThrown(context, ex, servedForTenant: true))
            {
                await _refusals.ThrownAsync(context, ex).ConfigureAwait(false);
            }
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
}
