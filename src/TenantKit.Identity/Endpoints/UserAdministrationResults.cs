using Microsoft.AspNetCore.Mvc;

namespace TenantKit.Identity.Endpoints;

/// <summary>The problem documents of the user administration endpoints.</summary>
internal static class UserAdministrationResults
{
    public static IResult Problem(int status, string type, string title, string? detail = null)
        => TypedResults.Problem(new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail });

    public static IResult Validation(string type, string title, IDictionary<string, string[]> errors)
        => TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status400BadRequest, Type = type, Title = title });

    public static IResult InvalidRequest(string field, string message)
        => Validation(TenantIdentityProblemTypes.InvalidRequest, "The request is malformed.", new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    public static IResult NotFound()
        => Problem(StatusCodes.Status404NotFound, TenantIdentityProblemTypes.UserNotFound, "The user does not exist.");

    public static IResult Self()
        => Problem(StatusCodes.Status409Conflict, TenantIdentityProblemTypes.CannotAdministerSelf, "Administrators cannot delete, lock or change the roles of their own account.");

    public static IResult UnknownRoles(IEnumerable<string> roles)
        => Validation(TenantIdentityProblemTypes.UnknownRole, "A role does not exist.", new Dictionary<string, string[]>(StringComparer.Ordinal) { ["roles"] = [.. roles.Select(r => $"No role is named '{Truncate(r)}'.")] });

    /// <summary>Identity's errors: a duplicate user name or e-mail is a conflict (409), anything else a validation problem (400).</summary>
    public static IResult IdentityErrors(IdentityResult result)
    {
        if (result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.DuplicateEmail)))
        {
            return Problem(StatusCodes.Status409Conflict, TenantIdentityProblemTypes.UserAlreadyExists, "A user with this user name or e-mail address exists.");
        }

        var errors = result.Errors
            .GroupBy(e => e.Code, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray(), StringComparer.Ordinal);
        return Validation(TenantIdentityProblemTypes.IdentityValidation, "Identity refused the data.", errors);
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
