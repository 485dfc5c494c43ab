namespace TenantKit.Identity.Endpoints;

/// <summary>The body of <c>POST /</c>: a user to create (with a password) or invite (without one).</summary>
internal sealed class CreateUserRequest
{
    public string? Email { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string[]? Roles { get; set; }
}

/// <summary>The body of <c>PUT /{id}/roles</c>: the user's roles, exactly.</summary>
internal sealed class SetRolesRequest
{
    public string[]? Roles { get; set; }
}

/// <summary>The optional body of <c>POST /{id}/lock</c>.</summary>
internal sealed class LockUserRequest
{
    public DateTimeOffset? Until { get; set; }
}

/// <summary>A user as the endpoints return it.</summary>
internal sealed record UserResource(
    string Id,
    string? UserName,
    string? Email,
    bool EmailConfirmed,
    bool LockedOut,
    DateTimeOffset? LockoutEnd,
    IReadOnlyList<string>? Roles);

/// <summary>A page of users.</summary>
internal sealed record UserPage(IReadOnlyList<UserResource> Items, int TotalCount, int Skip, int Take);
