using Microsoft.AspNetCore.Mvc;
using TenantKit.AspNetCore.Problems;

namespace TenantKit.AspNetCore.Administration;

/// <summary>Maps TenantKit's typed errors to the administration endpoints' problem documents.</summary>
internal static class AdministrationErrors
{
    /// <summary>Whether <paramref name="error"/> is answered with a problem document (<see cref="WriteAsync"/>); others propagate.</summary>
    public static bool IsAnswered(TenantKitException error)
        => error is TenantValidationException or TenantNotFoundException or TenantConcurrencyException or TenantAlreadyExistsException
            or TenantCatalogReadOnlyException or TenantCatalogUnavailableException or TenantSuspendedException or TenantLoadException
            or CrossTenantAccessException or HostScopeRequiredException;

    /// <summary>Writes the problem document for an error <see cref="IsAnswered"/> accepts.</summary>
    public static Task WriteAsync(HttpContext context, AdministrationHost host, TenantKitException error)
    {
        switch (error)
        {
            case TenantValidationException validation:
                return TenantProblems.WriteValidationAsync(context, validation.Errors, "The tenant data is invalid.");
            case TenantNotFoundException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status404NotFound, TenantProblemTypes.TenantNotFound,
                    "The tenant does not exist.", "No tenant has this id.");
            case TenantConcurrencyException conflict:
                context.Response.Headers.ETag = AdministrationRequestReader.ETag(conflict.ActualVersion);
                return TenantProblems.WriteAsync(context, new ProblemDetails
                {
                    Status = StatusCodes.Status412PreconditionFailed,
                    Type = TenantProblemTypes.VersionConflict,
                    Title = "The tenant was changed by someone else.",
                    Detail = "The tenant's version is not the one in If-Match. Read the tenant again and retry with its ETag.",
                    Extensions = { ["currentVersion"] = conflict.ActualVersion },
                }, retryAfter: null);
            case TenantAlreadyExistsException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status409Conflict, TenantProblemTypes.AlreadyExists,
                    "The tenant already exists.", "A tenant with this id or identifier exists.");
            case TenantCatalogReadOnlyException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status409Conflict, TenantProblemTypes.CatalogReadOnly,
                    "The tenant catalog is read-only.", "The tenant store does not accept changes; change its source (the configuration) instead.");
            case TenantCatalogUnavailableException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.CatalogUnavailable,
                    "The tenant catalog is unavailable.", "The tenant store is unavailable. Try again later.", host.CatalogRetryAfter);
            case TenantSuspendedException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status409Conflict, TenantProblemTypes.TenantSuspended,
                    "The tenant is suspended.", "A suspended tenant cannot be loaded; resume it first.");
            case TenantLoadException load:
                return TenantProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.TenantLoadFailed,
                    "The tenant could not be loaded.", load.Message, load.RetryAfter);
            case CrossTenantAccessException or HostScopeRequiredException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.HostRequired,
                    "The endpoint is reserved to the host.", "This endpoint serves the host only and cannot be used from a tenant.");
            default:
                throw new InvalidOperationException("Unreachable: IsAnswered and WriteAsync disagree.", error);
        }
    }
}
