using Microsoft.Extensions.Logging;
using TenantKit.AspNetCore.Diagnostics;
using TenantKit.AspNetCore.Problems;
using TenantKit.Resolution;

namespace TenantKit.AspNetCore.Middleware;

/// <summary>
/// The tenant middleware's refusals, each a problem document with a stable <c>type</c> (see
/// <see cref="TenantProblemTypes"/>), logged once: those the middleware decides itself, and TenantKit's refusals the
/// application throws while a request is served (<see cref="AnswersThrown"/>).
/// </summary>
internal sealed class TenantRefusals
{
    private static readonly Refusal InvalidIdentifier = new(StatusCodes.Status400BadRequest, TenantProblemTypes.InvalidIdentifier,
        "The tenant identifier is malformed.",
        "The request names its tenant with a value that is not a valid tenant identifier.");

    private static readonly Refusal CatalogUnavailable = new(StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.CatalogUnavailable,
        "The tenant catalog is unavailable.",
        "The tenant could not be looked up because the tenant store is unavailable. Try again later.");

    private static readonly Refusal NotFound = new(StatusCodes.Status404NotFound, TenantProblemTypes.TenantNotFound,
        "The tenant does not exist.",
        "No tenant matches this request.");

    private static readonly Refusal RegionMismatch = new(StatusCodes.Status421MisdirectedRequest, TenantProblemTypes.RegionMismatch,
        "The tenant is served in another region.",
        "This server does not serve the tenant's region; send the request to the tenant's region.");

    private static readonly Refusal TenantMismatch = new(StatusCodes.Status403Forbidden, TenantProblemTypes.TenantMismatch,
        "The user belongs to another tenant.",
        "The signed-in user's tenant is not the tenant this request names.");

    private static readonly Refusal HostRequired = new(StatusCodes.Status403Forbidden, TenantProblemTypes.HostRequired,
        "The endpoint is reserved to the host.",
        "This endpoint serves the host only and cannot be used from a tenant.");

    /// <summary><see cref="HostRequired"/> found by the application (a <see cref="HostScopeRequiredException"/>), not by endpoint metadata.</summary>
    private static readonly Refusal HostOperationRequired = HostRequired with
    {
        Detail = "This endpoint does something reserved to the host, and the request is not served as the host.",
    };

    private static readonly Refusal TenantRequired = new(StatusCodes.Status404NotFound, TenantProblemTypes.TenantRequired,
        "A tenant is required.",
        "This endpoint serves tenants only, and the request names no tenant.");

    private static readonly Refusal CrossTenantAccess = new(StatusCodes.Status403Forbidden, TenantProblemTypes.CrossTenantAccess,
        "Another tenant's data is out of reach.",
        "Serving this request would reach data or state beyond the tenant it is served for.");

    private static readonly Refusal Suspended = new(StatusCodes.Status403Forbidden, TenantProblemTypes.TenantSuspended,
        "The tenant is suspended.",
        "The tenant this request names is suspended and cannot be served.");

    private static readonly Refusal LoadFailed = new(StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.TenantLoadFailed,
        "The tenant is temporarily unavailable.",
        "The tenant could not be loaded. Try again later.");

    private static readonly Refusal RuntimeStopping = new(StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.RuntimeStopping,
        "The server is shutting down.",
        "The server is stopping and no longer serves tenants. Try again later.");

    /// <summary>
    /// A tenant lacks the feature of the endpoint: the answer ASP.NET Core gives a path that does not exist (the
    /// RFC 9110 "Not Found" problem), never a type that would tell the tenant the endpoint exists for others.
    /// </summary>
    private static readonly Refusal FeatureAbsent = new(StatusCodes.Status404NotFound, "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        "Not Found", null);

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
            TenantResolutionStatus.InvalidIdentifier => RefuseAsync(context, InvalidIdentifier),
            TenantResolutionStatus.CatalogUnavailable => RefuseAsync(context, CatalogUnavailable, _catalogRetryAfter),
            _ => RefuseAsync(context, NotFound),
        };
    }

    /// <summary>421: the tenant is served in another region.</summary>
    public Task RegionMismatchAsync(HttpContext context) => RefuseAsync(context, RegionMismatch);

    /// <summary>403: the signed-in user's tenant is not the one the request names.</summary>
    public Task TenantMismatchAsync(HttpContext context) => RefuseAsync(context, TenantMismatch);

    /// <summary>403: a tenant request to an endpoint reserved to the host.</summary>
    public Task HostRequiredAsync(HttpContext context) => RefuseAsync(context, HostRequired);

    /// <summary>404: a request naming no tenant to an endpoint that serves tenants only.</summary>
    public Task TenantRequiredAsync(HttpContext context) => RefuseAsync(context, TenantRequired);

    /// <summary>
    /// 404 as for an unknown path: the tenant lacks the endpoint's feature. Without <c>Cache-Control: no-store</c>, which
    /// ASP.NET Core's own 404 does not send either: the two answers must not be told apart.
    /// </summary>
    public Task FeatureAbsentAsync(HttpContext context)
    {
        AdapterLog.Refused(_logger, FeatureAbsent.Status, "feature-absent");
        return TenantProblems.WriteAsync(context, new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = FeatureAbsent.Status,
            Type = FeatureAbsent.Type,
            Title = FeatureAbsent.Title,
        }, retryAfter: null, noStore: false);
    }

    /// <summary>403: the tenant is suspended.</summary>
    public Task SuspendedAsync(HttpContext context) => RefuseAsync(context, Suspended);

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
            ObjectDisposedException => RefuseAsync(context, RuntimeStopping, TimeSpan.FromSeconds(1)),
            _ => RefuseAsync(context, LoadFailed, (error as TenantLoadException)?.RetryAfter ?? TimeSpan.FromSeconds(1)),
        };
    }

    /// <summary>
    /// Whether <paramref name="error"/>, thrown by the application while the request was served, is a refusal
    /// <see cref="ThrownAsync"/> answers: <see cref="HostScopeRequiredException"/> (403 <c>host-required</c>) and
    /// <see cref="CrossTenantAccessException"/> (403 <c>cross-tenant-access</c>) always; <see cref="TenantNotSetException"/>
    /// (404 <c>tenant-required</c>) only when the request is served for no tenant, since inside a tenant it is a defect of
    /// the application rather than something the request asked for. Never once the response has started: the client
    /// already has a status and part of a body, so the exception goes on to the server, which aborts the response.
    /// Exceptions that are not TenantKit's refusals are never answered here.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="error">What the rest of the pipeline threw.</param>
    /// <param name="servedForTenant"><see langword="true"/> when the request is served inside a tenant.</param>
    public static bool AnswersThrown(HttpContext context, Exception error, bool servedForTenant)
        => error switch
        {
            HostScopeRequiredException or CrossTenantAccessException => !context.Response.HasStarted,
            TenantNotSetException => !servedForTenant && !context.Response.HasStarted,
            _ => false,
        };

    /// <summary>
    /// Answers a refusal the application threw (see <see cref="AnswersThrown"/>): whatever the application had set on
    /// the response (status, headers, a buffered body) is cleared first. The exception's message is logged, never sent:
    /// it may name another tenant.
    /// </summary>
    public Task ThrownAsync(HttpContext context, Exception error)
    {
        var refusal = error switch
        {
            TenantNotSetException => TenantRequired,
            HostScopeRequiredException => HostOperationRequired,
            CrossTenantAccessException => CrossTenantAccess,
            _ => throw new ArgumentException("Only the refusals AnswersThrown accepts are answered.", nameof(error)),
        };
        context.Response.Clear();
        AdapterLog.RefusedThrown(_logger, refusal.Status, refusal.Type, error);
        return TenantProblems.WriteAsync(context, refusal.Status, refusal.Type, refusal.Title, refusal.Detail!);
    }

    private Task RefuseAsync(HttpContext context, Refusal refusal, TimeSpan? retryAfter = null)
    {
        AdapterLog.Refused(_logger, refusal.Status, refusal.Type);
        return TenantProblems.WriteAsync(context, refusal.Status, refusal.Type, refusal.Title, refusal.Detail!, retryAfter);
    }

    /// <summary>One kind of refusal: its status, its stable type, its title (the same for every occurrence) and its detail.</summary>
    private sealed record Refusal(int Status, string Type, string Title, string? Detail);
}
