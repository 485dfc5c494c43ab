using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Identity.Binding;
using TenantKit.Identity.Diagnostics;
using static TenantKit.Identity.Endpoints.UserAdministrationResults;

namespace TenantKit.Identity.Endpoints;

/// <summary>
/// The handlers of <c>MapTenantUserAdministration</c>. Every one runs in a tenant request, for a signed-in member of
/// the tenant's administrator role (checked in the tenant's store at each request), on the tenant's own
/// <see cref="UserManager{TUser}"/>: a user id of another tenant is simply not found (404).
/// </summary>
internal static class TenantUserAdministrationEndpoints<TUser, TRole>
    where TUser : IdentityUser, new()
    where TRole : IdentityRole
{
    private const int DefaultTake = 50;
    private const int MaxTake = 1000;
    private static readonly object AdministratorKey = new();

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async ValueTask<object?> RequireAdministratorAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var users = context.RequestServices.GetRequiredService<UserManager<TUser>>();
        var role = context.RequestServices.GetRequiredService<IOptions<TenantIdentityOptions>>().Value.AdministratorRole;
        var administrator = TenantPrincipalCheck.Matches(context.User, context.GetTenant()?.Id)
            ? await users.GetUserAsync(context.User).ConfigureAwait(false)
            : null;
        if (administrator is null || !await users.IsInRoleAsync(administrator, role).ConfigureAwait(false))
        {
            return Problem(StatusCodes.Status403Forbidden, TenantIdentityProblemTypes.AdministratorRequired, "Only the tenant's administrators may administer its users.");
        }

        context.Items[AdministratorKey] = administrator;
        return await next(invocation).ConfigureAwait(false);
    }

    public static async Task<IResult> ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!TryParse(query["skip"], 0, 0, int.MaxValue, out var skip))
        {
            return InvalidRequest("skip", "skip is a whole number of at least 0.");
        }

        if (!TryParse(query["take"], DefaultTake, 1, MaxTake, out var take))
        {
            return InvalidRequest("take", $"take is a whole number from 1 to {MaxTake}.");
        }

        var users = Users(context);
        var set = users.Users;
        if (query["search"].ToString() is { Length: > 0 } search)
        {
            var normalized = users.NormalizeName(search);
            set = set.Where(u => u.NormalizedUserName!.Contains(normalized) || u.NormalizedEmail!.Contains(normalized));
        }

        var total = await set.CountAsync(context.RequestAborted).ConfigureAwait(false);
        var page = await set.OrderBy(u => u.NormalizedUserName).ThenBy(u => u.Id).Skip(skip).Take(take).ToListAsync(context.RequestAborted).ConfigureAwait(false);
        var items = new List<UserResource>(page.Count);
        foreach (var user in page)
        {
            items.Add(await ResourceAsync(users, user, withRoles: false).ConfigureAwait(false));
        }

        return TypedResults.Ok(new UserPage(items, total, skip, take));
    }

    public static async Task<IResult> GetAsync(HttpContext context, string id)
    {
        var users = Users(context);
        return await users.FindByIdAsync(id).ConfigureAwait(false) is { } user
            ? TypedResults.Ok(await ResourceAsync(users, user, withRoles: true).ConfigureAwait(false))
            : NotFound();
    }

    public static async Task<IResult> CreateAsync(HttpContext context)
    {
        var (request, invalid) = await ReadAsync<CreateUserRequest>(context).ConfigureAwait(false);
        if (request is null)
        {
            return invalid!;
        }

        if (string.IsNullOrWhiteSpace(request.Email))
        {
            return InvalidRequest("email", "email is required.");
        }

        var roles = request.Roles ?? [];
        if (await UnknownRolesAsync(context, roles).ConfigureAwait(false) is { Count: > 0 } unknown)
        {
            return UnknownRoles(unknown);
        }

        var users = Users(context);
        // Set on the new object (UserManager's setters would save a user that does not exist yet).
        var user = new TUser { UserName = request.UserName ?? request.Email, Email = request.Email };
        IdentityResult result;
        try
        {
            result = request.Password is null
                ? await users.CreateAsync(user).ConfigureAwait(false)
                : await users.CreateAsync(user, request.Password).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Two requests creating the same user at once: Identity's check passed for both, the unique index refused one.
            return Problem(StatusCodes.Status409Conflict, TenantIdentityProblemTypes.UserAlreadyExists, "A user with this user name or e-mail address exists.");
        }

        if (!result.Succeeded)
        {
            return IdentityErrors(result);
        }

        if (roles.Length > 0)
        {
            result = await users.AddToRolesAsync(user, roles.Distinct(StringComparer.Ordinal)).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                await users.DeleteAsync(user).ConfigureAwait(false);
                return IdentityErrors(result);
            }
        }

        if (request.Password is null && context.RequestServices.GetService<IEmailSender<TUser>>() is { } sender)
        {
            // An invitation: the user chooses a password with the reset code sent to the address, encoded as Identity's
            // API endpoints encode theirs (base64url), so MapIdentityApi's /resetPassword takes it.
            var token = await users.GeneratePasswordResetTokenAsync(user).ConfigureAwait(false);
            var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));
            await sender.SendPasswordResetCodeAsync(user, request.Email, code).ConfigureAwait(false);
        }

        Logged(context, "created", user.Id);
        var location = $"{context.Request.PathBase}{context.Request.Path.Value?.TrimEnd('/')}/{Uri.EscapeDataString(user.Id)}";
        return TypedResults.Created(location, await ResourceAsync(users, user, withRoles: true).ConfigureAwait(false));
    }

    public static async Task<IResult> DeleteAsync(HttpContext context, string id)
    {
        var users = Users(context);
        if (await users.FindByIdAsync(id).ConfigureAwait(false) is not { } user)
        {
            return NotFound();
        }

        if (IsSelf(context, user))
        {
            return Self();
        }

        var result = await users.DeleteAsync(user).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return IdentityErrors(result);
        }

        Logged(context, "deleted", user.Id);
        return TypedResults.NoContent();
    }

    public static async Task<IResult> LockAsync(HttpContext context, string id)
    {
        LockUserRequest? request = new();
        if (context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
        {
            (request, var invalid) = await ReadAsync<LockUserRequest>(context).ConfigureAwait(false);
            if (request is null)
            {
                return invalid!;
            }
        }

        var users = Users(context);
        if (await users.FindByIdAsync(id).ConfigureAwait(false) is not { } user)
        {
            return NotFound();
        }

        if (IsSelf(context, user))
        {
            return Self();
        }

        var result = await users.SetLockoutEnabledAsync(user, enabled: true).ConfigureAwait(false);
        if (result.Succeeded)
        {
            result = await users.SetLockoutEndDateAsync(user, request.Until ?? DateTimeOffset.MaxValue).ConfigureAwait(false);
        }

        if (result.Succeeded)
        {
            // Ends the user's sessions at their next security-stamp validation.
            result = await users.UpdateSecurityStampAsync(user).ConfigureAwait(false);
        }

        if (!result.Succeeded)
        {
            return IdentityErrors(result);
        }

        Logged(context, "locked", user.Id);
        return TypedResults.Ok(await ResourceAsync(users, user, withRoles: true).ConfigureAwait(false));
    }

    public static async Task<IResult> UnlockAsync(HttpContext context, string id)
    {
        var users = Users(context);
        if (await users.FindByIdAsync(id).ConfigureAwait(false) is not { } user)
        {
            return NotFound();
        }

        var result = await users.SetLockoutEndDateAsync(user, lockoutEnd: null).ConfigureAwait(false);
        if (result.Succeeded)
        {
            result = await users.ResetAccessFailedCountAsync(user).ConfigureAwait(false);
        }

        if (!result.Succeeded)
        {
            return IdentityErrors(result);
        }

        Logged(context, "unlocked", user.Id);
        return TypedResults.Ok(await ResourceAsync(users, user, withRoles: true).ConfigureAwait(false));
    }

    public static async Task<IResult> SetRolesAsync(HttpContext context, string id)
    {
        var (request, invalid) = await ReadAsync<SetRolesRequest>(context).ConfigureAwait(false);
        if (request is null)
        {
            return invalid!;
        }

        if (request.Roles is null)
        {
            return InvalidRequest("roles", "roles is required (an empty list removes every role).");
        }

        var users = Users(context);
        if (await users.FindByIdAsync(id).ConfigureAwait(false) is not { } user)
        {
            return NotFound();
        }

        if (IsSelf(context, user))
        {
            return Self();
        }

        if (await UnknownRolesAsync(context, request.Roles).ConfigureAwait(false) is { Count: > 0 } unknown)
        {
            return UnknownRoles(unknown);
        }

        var roleManager = context.RequestServices.GetRequiredService<RoleManager<TRole>>();
        var wanted = new HashSet<string>(request.Roles.Select(r => roleManager.NormalizeKey(r) ?? r), StringComparer.Ordinal);
        var current = await users.GetRolesAsync(user).ConfigureAwait(false);
        var remove = current.Where(r => !wanted.Contains(roleManager.NormalizeKey(r) ?? r)).ToList();
        var currentNormalized = new HashSet<string>(current.Select(r => roleManager.NormalizeKey(r) ?? r), StringComparer.Ordinal);
        var add = request.Roles.Where(r => !currentNormalized.Contains(roleManager.NormalizeKey(r) ?? r)).Distinct(StringComparer.Ordinal).ToList();
        var result = remove.Count > 0 ? await users.RemoveFromRolesAsync(user, remove).ConfigureAwait(false) : IdentityResult.Success;
        if (result.Succeeded && add.Count > 0)
        {
            result = await users.AddToRolesAsync(user, add).ConfigureAwait(false);
        }

        if (result.Succeeded)
        {
            result = await users.UpdateSecurityStampAsync(user).ConfigureAwait(false);
        }

        if (!result.Succeeded)
        {
            return IdentityErrors(result);
        }

        Logged(context, "changed the roles of", user.Id);
        return TypedResults.Ok(await ResourceAsync(users, user, withRoles: true).ConfigureAwait(false));
    }

    private static UserManager<TUser> Users(HttpContext context) => context.RequestServices.GetRequiredService<UserManager<TUser>>();

    private static bool IsSelf(HttpContext context, TUser user)
        => context.Items[AdministratorKey] is TUser administrator && string.Equals(administrator.Id, user.Id, StringComparison.Ordinal);

    private static void Logged(HttpContext context, string action, string userId)
    {
        if (context.Items[AdministratorKey] is TUser administrator)
        {
            Log.UserAdministered(context.RequestServices.GetRequiredService<ILogger<UserManager<TUser>>>(), administrator.Id, action, userId);
        }
    }

    private static async Task<List<string>> UnknownRolesAsync(HttpContext context, IEnumerable<string> roles)
    {
        var roleManager = context.RequestServices.GetRequiredService<RoleManager<TRole>>();
        var unknown = new List<string>();
        foreach (var role in roles.Distinct(StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(role) || role.Length > TenantUserLengthValidator<TUser>.MaxLength || !await roleManager.RoleExistsAsync(role).ConfigureAwait(false))
            {
                unknown.Add(role ?? string.Empty);
            }
        }

        return unknown;
    }

    private static async Task<UserResource> ResourceAsync(UserManager<TUser> users, TUser user, bool withRoles)
    {
        var roles = withRoles ? (await users.GetRolesAsync(user).ConfigureAwait(false)).Order(StringComparer.Ordinal).ToList() : null;
        return new UserResource(
            user.Id, user.UserName, user.Email, user.EmailConfirmed, await users.IsLockedOutAsync(user).ConfigureAwait(false), user.LockoutEnd, roles);
    }

    private static async Task<(T? Request, IResult? Invalid)> ReadAsync<T>(HttpContext context)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, InvalidRequest("body", "The body must be JSON (Content-Type: application/json)."));
        }

        try
        {
            var request = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, Json, context.RequestAborted).ConfigureAwait(false);
            return request is null ? (null, InvalidRequest("body", "The body must be a JSON object.")) : (request, null);
        }
        catch (JsonException ex)
        {
            return (null, InvalidRequest(ex.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body", "The body is not valid JSON for this request."));
        }
    }

    private static bool TryParse(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }
}
