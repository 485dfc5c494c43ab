using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using TenantKit.Identity.Endpoints;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the endpoints through which a tenant's administrators administer its users.</summary>
public static class TenantUserAdministrationEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the user administration endpoints of a tenant under <paramref name="prefix"/>: list, read, create or invite,
    /// delete, lock, unlock and set the roles of users. They answer only in a tenant request (<c>RequireTenant()</c>: at
    /// the host, 404 <c>tenant-required</c>), to an authenticated user (<c>RequireAuthorization()</c>) whose principal is
    /// bound to the request's tenant and who is, in the tenant's own store, a member of
    /// <c>TenantIdentityOptions.AdministratorRole</c> (else 403 <c>tenant-administrator-required</c>). They act on the
    /// tenant's users only: the id of another tenant's user is not found (404). Errors are RFC 9457 problem documents
    /// (types in <c>TenantIdentityProblemTypes</c>).
    /// </summary>
    /// <typeparam name="TUser">The user type.</typeparam>
    /// <typeparam name="TRole">The role type.</typeparam>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="prefix">The route prefix. <value>The default is <c>/admin/users</c>.</value></param>
    /// <returns>The route group, to add conventions (an authorization policy, rate limiting...).</returns>
    public static RouteGroupBuilder MapTenantUserAdministration<TUser, TRole>(this IEndpointRouteBuilder endpoints, string prefix = "/admin/users")
        where TUser : IdentityUser, new()
        where TRole : IdentityRole
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var group = endpoints.MapGroup(prefix);
        group.RequireTenant();
        group.RequireAuthorization();
        group.AddEndpointFilter(TenantUserAdministrationEndpoints<TUser, TRole>.RequireAdministratorAsync);
        group.MapGet("/", (Delegate)TenantUserAdministrationEndpoints<TUser, TRole>.ListAsync);
        group.MapGet("/{id}", (Delegate)TenantUserAdministrationEndpoints<TUser, TRole>.GetAsync);
        group.MapPost("/", (Delegate)TenantUserAdministrationEndpoints<TUser, TRole>.CreateAsync);
        group.MapDelete("/{id}", (Delegate)TenantUserAdministrationEndpoints<TUser, TRole>.DeleteAsync);
        group.MapPost("/{id}/lock", (Delegate)TenantUserAdministrationEndpoints<TUser, TRole>.LockAsync);
        group.MapPost("/{id}/unlock", (Delegate)TenantUserAdministrationEndpoints<TUser, TRole>.UnlockAsync);
        group.MapPut("/{id}/roles", (Delegate)TenantUserAdministrationEndpoints<TUser, TRole>.SetRolesAsync);
        return group;
    }
}
