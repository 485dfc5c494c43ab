using Microsoft.Extensions.Logging;
using TenantKit.AspNetCore.Diagnostics;
using TenantKit.AspNetCore.Problems;
using TenantKit.Resolution;

namespace TenantKit.AspNetCore.Middleware;

/// <summary>
/// The tenant middleware's refusals, each a problem document with a stable <c>type</c> (see
/// <see cref="TenantProblemTypes"/>), logged once.
/// </summary>
internal sealed class TenantRefusals
{
    private readonly ILogger _logger;
    private readonly TimeSpan _catalogRetryAfter;

    /// <summary>Creates the refusals of one middleware.</summary>
    /// <param name="logger">The middleware's logger.</param>
    /// <param name="catalogRetryAfter">The <c>Retry-After</c> of a refusal because the catalog is unavailable.</param>
    public TenantRefusals(ILogger logger, TimeSpan catalogRetryAfter)
    {
        _logger = logger;
        _catalogRetryAfter = catalogRetryAfter;
    }

    /// <summary>The answer to a resolution that found no tenant: 400 (malformed), 503 (catalog unavailable) or 404.</summary>
    public Task UnresolvedAsync(HttpContext context, TenantResolutionStatus status)
    {
        return status switch
        {
            TenantResolutionStatus.InvalidIdentifier => RefuseAsync(context, StatusCodes.Status400BadRequest, TenantProblemTypes.InvalidIdentifier,
                "The tenant identifier is malformed.",
                "The request names its tenant with a value that is not a valid tenant identifier."),
            TenantResolutionStatus.CatalogUnavailable => RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.CatalogUnavailable,
                "The tenant catalog is unavailable.",
                "The tenant could not be looked up because the tenant store is unavailable. Try again later.",
                _catalogRetryAfter),
            _ => RefuseAsync(context, StatusCodes.Status404NotFound, TenantProblemTypes.TenantNotFound,
                "The tenant does not exist.",
                "No tenant matches this request."),
        };
    }

    /// <summary>421: the tenant is served in another region.</summary>
    public Task RegionMismatchAsync(HttpContext context)
        => RefuseAsync(context, StatusCodes.Status421MisdirectedRequest, TenantProblemTypes.RegionMismatch,
            "The tenant is served in another region.",
            "This server does not serve the tenant's region; send the request to the tenant's region.");

    /// <summary>403: the signed-in user's tenant is not the one the request names.</summary>
    public Task TenantMismatchAsync(HttpContext context)
        => RefuseAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.TenantMismatch,
            "The user belongs to another tenant.",
            "The signed-in user's tenant is not the tenant this request names.");

    /// <summary>403: a tenant request to an endpoint reserved to the host.</summary>
    public Task HostRequiredAsync(HttpContext context)
        => RefuseAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.HostRequired,
            "The endpoint is reserved to the host.",
            "This endpoint serves the host only and cannot be used from a tenant.");

    /// <summary>404: a request naming no tenant to an endpoint that serves tenants only.</summary>
    public Task TenantRequiredAsync(HttpContext context)
        => RefuseAsync(context, StatusCodes.Status404NotFound, TenantProblemTypes.TenantRequired,
            "A tenant is required.",
            "This endpoint serves tenants only, and the request names no tenant.");

    /// <summary>403: the tenant is suspended.</summary>
    public Task SuspendedAsync(HttpContext context)
        => RefuseAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.TenantSuspended,
            "The tenant is suspended.",
            "The tenant this request names is suspended and cannot be served.");

    /// <summary>
    /// The answer to a lease the runtime refused: suspended (403), deleted meanwhile (404, as an unknown tenant), a
    /// failed build (503), shutting down (503).
    /// </summary>
    public Task AcquireFailedAsync(HttpContext context, Exception error)
    {
        return error switch
        {
            TenantSuspendedException => SuspendedAsync(context),
            TenantNotFoundException => UnresolvedAsync(context, TenantResolutionStatus.NotFound),
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
