using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TenantKit.AspNetCore.Administration;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the host's tenant administration endpoints.</summary>
public static class TenantAdministrationEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the host (super tenant) administration endpoints under <paramref name="pattern"/>: list (paged, with this
    /// node's runtime status), get, create, update (<c>If-Match</c> required), suspend, resume, delete (<c>If-Match</c>
    /// required), reload, unload and load. They are reserved to the host (<c>RequireHost()</c>: any request naming a
    /// tenant is refused with 403) and to callers satisfying <paramref name="authorizationPolicy"/>. JSON in and out;
    /// errors are problem documents, validation errors listed per field. The package readme documents every route.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The route prefix, such as <c>/admin/tenants</c>.</param>
    /// <param name="authorizationPolicy">The name of the authorization policy callers must satisfy.</param>
    /// <returns>The route group, to add more conventions (rate limiting, CORS, OpenAPI).</returns>
    public static RouteGroupBuilder MapTenantAdministration(this IEndpointRouteBuilder endpoints, string pattern, string authorizationPolicy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        var group = endpoints.MapGroup(pattern).RequireHost().RequireAuthorization(authorizationPolicy);
        TenantAdministrationEndpoints.Map(group);
        return group;
    }

    /// <summary>Maps the host's tenant administration endpoints, protected by <paramref name="authorizationPolicy"/>.</summary>
    /// <param name="endpoints">The endpoint route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The route prefix, such as <c>/admin/tenants</c>.</param>
    /// <param name="authorizationPolicy">The authorization policy callers must satisfy.</param>
    /// <returns>The route group.</returns>
    public static RouteGroupBuilder MapTenantAdministration(this IEndpointRouteBuilder endpoints, string pattern, AuthorizationPolicy authorizationPolicy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        ArgumentNullException.ThrowIfNull(authorizationPolicy);
        var group = endpoints.MapGroup(pattern).RequireHost().RequireAuthorization(authorizationPolicy);
        TenantAdministrationEndpoints.Map(group);
        return group;
    }
}
