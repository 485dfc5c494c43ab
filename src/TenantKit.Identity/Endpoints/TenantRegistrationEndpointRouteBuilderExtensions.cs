using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using TenantKit.Identity.Endpoints;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the host's endpoint that creates a tenant with its first administrator.</summary>
public static class TenantRegistrationEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c>: the host creates a tenant and, inside it, its first administrator
    /// (<see cref="TenantKit.Identity.ITenantIdentityAdministration.CreateTenantWithAdministratorAsync"/>). The body is
    /// <c>{ identifier, id?, name?, region?, owner?, properties?, administrator: { email, password, userName? } }</c>; the
    /// answer is 201 with <c>{ id, identifier, name, version, administrator }</c>. Like <c>MapTenantAdministration</c>, it
    /// is reserved to the host (<c>RequireHost()</c>: a request naming a tenant is refused with 403 <c>host-required</c>)
    /// and to callers satisfying <paramref name="authorizationPolicy"/>. Refusals are problem documents: 400
    /// <c>invalid-request</c> (malformed body, missing fields), 400 <c>tenant-validation</c> (the tenant data), 400
    /// <c>identity-validation</c> (Identity refused the administrator: <c>errors</c> lists Identity's descriptions under
    /// <c>administrator.password</c>, <c>administrator.email</c>, <c>administrator.userName</c>; no tenant is left
    /// behind), 409 <c>tenant-already-exists</c>, 409 <c>tenant-catalog-read-only</c>, 503 <c>tenant-catalog-unavailable</c>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The route, such as <c>/admin/tenants/with-administrator</c>.</param>
    /// <param name="authorizationPolicy">The name of the authorization policy callers must satisfy (the host's).</param>
    /// <returns>The endpoint's builder, to add conventions (rate limiting, OpenAPI).</returns>
    public static RouteHandlerBuilder MapTenantRegistration(this IEndpointRouteBuilder endpoints, string pattern, string authorizationPolicy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        return endpoints.MapPost(pattern, (Delegate)TenantRegistrationEndpoint.RegisterAsync)
            .RequireHost()
            .RequireAuthorization(authorizationPolicy)
            .WithName("TenantKit.RegisterTenant");
    }

    /// <summary>Maps the registration endpoint, protected by <paramref name="authorizationPolicy"/>.</summary>
    /// <param name="endpoints">The endpoint route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The route, such as <c>/admin/tenants/with-administrator</c>.</param>
    /// <param name="authorizationPolicy">The authorization policy callers must satisfy (the host's).</param>
    /// <returns>The endpoint's builder.</returns>
    public static RouteHandlerBuilder MapTenantRegistration(this IEndpointRouteBuilder endpoints, string pattern, AuthorizationPolicy authorizationPolicy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        ArgumentNullException.ThrowIfNull(authorizationPolicy);
        return endpoints.MapPost(pattern, (Delegate)TenantRegistrationEndpoint.RegisterAsync)
            .RequireHost()
            .RequireAuthorization(authorizationPolicy)
            .WithName("TenantKit.RegisterTenant");
    }
}
