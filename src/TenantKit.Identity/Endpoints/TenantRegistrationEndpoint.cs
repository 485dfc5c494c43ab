using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.AspNetCore;
using static TenantKit.Identity.Endpoints.UserAdministrationResults;

namespace TenantKit.Identity.Endpoints;

/// <summary>
/// The handler of <c>MapTenantRegistration</c>: the host creates a tenant with its first administrator through
/// <see cref="ITenantIdentityAdministration.CreateTenantWithAdministratorAsync"/>, inside an explicit host scope. Either
/// both exist afterwards, or neither; every refusal is a problem document.
/// </summary>
internal static class TenantRegistrationEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<IResult> RegisterAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            return InvalidRequest("body", "The body must be JSON (Content-Type: application/json).");
        }

        RegisterTenantRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<RegisterTenantRequest>(context.Request.Body, Json, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return InvalidRequest(ex.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body", "The body is not valid JSON for this request.");
        }

        var missing = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request?.Identifier))
        {
            missing["identifier"] = ["identifier is required."];
        }

        if (string.IsNullOrWhiteSpace(request?.Administrator?.Email))
        {
            missing["administrator.email"] = ["administrator.email is required."];
        }

        if (string.IsNullOrEmpty(request?.Administrator?.Password))
        {
            missing["administrator.password"] = ["administrator.password is required."];
        }

        if (missing.Count > 0)
        {
            return Validation(TenantIdentityProblemTypes.InvalidRequest, "The request is malformed.", missing);
        }

        var administrator = request!.Administrator!;
        var identity = context.RequestServices.GetRequiredService<ITenantIdentityAdministration>();
        try
        {
            // RequireHost refused tenants already; the host scope is the second lock (it throws inside a tenant scope).
            using var scope = context.RequestServices.GetRequiredService<ITenantContextAccessor>().BeginHostScope();
            var tenant = await identity.CreateTenantWithAdministratorAsync(
                new TenantDraft(request.Identifier!)
                {
                    Id = request.Id,
                    Name = request.Name,
                    Region = request.Region,
                    Owner = request.Owner,
                    Properties = request.Properties,
                },
                new TenantAdministratorDraft { Email = administrator.Email!, Password = administrator.Password!, UserName = administrator.UserName },
                context.RequestAborted).ConfigureAwait(false);
            return TypedResults.Created((string?)null, new RegisteredTenant(tenant.Id, tenant.Identifier, tenant.Name, tenant.Version, administrator.UserName ?? administrator.Email!));
        }
        catch (TenantIdentityException ex)
        {
            return Validation(TenantIdentityProblemTypes.IdentityValidation, "Identity refused the administrator; no tenant was created.", ByField(ex.Errors));
        }
        catch (TenantValidationException ex)
        {
            return Validation(TenantProblemTypes.Validation, "The tenant data is invalid.", ex.Errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
        }
        catch (TenantAlreadyExistsException)
        {
            return Problem(StatusCodes.Status409Conflict, TenantProblemTypes.AlreadyExists, "The tenant already exists.", "A tenant with this id or identifier exists.");
        }
        catch (TenantCatalogReadOnlyException)
        {
            return Problem(StatusCodes.Status409Conflict, TenantProblemTypes.CatalogReadOnly, "The tenant catalog is read-only.");
        }
        catch (TenantCatalogUnavailableException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.CatalogUnavailable, "The tenant catalog is unavailable.");
        }
        catch (Exception ex) when (ex is HostScopeRequiredException or CrossTenantAccessException)
        {
            return Problem(StatusCodes.Status403Forbidden, TenantProblemTypes.HostRequired, "The endpoint is reserved to the host.");
        }
    }

    /// <summary>Identity's errors under the request field they concern (<c>administrator.password</c>...), by description.</summary>
    private static Dictionary<string, string[]> ByField(IEnumerable<IdentityError> errors)
        => errors
            .GroupBy(e => FieldOf(e.Code), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray(), StringComparer.Ordinal);

    private static string FieldOf(string code)
        => code.StartsWith("Password", StringComparison.Ordinal) ? "administrator.password"
            : code.Contains("Email", StringComparison.Ordinal) ? "administrator.email"
            : code.Contains("UserName", StringComparison.Ordinal) ? "administrator.userName"
            : "administrator";
}

/// <summary>The body of the registration endpoint.</summary>
internal sealed class RegisterTenantRequest
{
    public string? Id { get; set; }

    public string? Identifier { get; set; }

    public string? Name { get; set; }

    public string? Region { get; set; }

    public string? Owner { get; set; }

    public Dictionary<string, string>? Properties { get; set; }

    public RegisterAdministratorRequest? Administrator { get; set; }
}

/// <summary>The first administrator in a registration.</summary>
internal sealed class RegisterAdministratorRequest
{
    public string? Email { get; set; }

    public string? Password { get; set; }

    public string? UserName { get; set; }
}

/// <summary>What a registration answers (201).</summary>
internal sealed record RegisteredTenant(string Id, string Identifier, string Name, long Version, string Administrator);
