using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using TenantKit;
using TenantKit.AspNetCore.Middleware;
using TenantKit.AspNetCore.Resolution;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds TenantKit's middleware to the request pipeline.</summary>
public static class TenantKitApplicationBuilderExtensions
{
    private const string EndpointRouteBuilderKey = "__EndpointRouteBuilder";
    private const string GlobalEndpointRouteBuilderKey = "__GlobalEndpointRouteBuilder";
    private const string AuthenticationSetKey = "__AuthenticationMiddlewareSet";
    private const string AuthorizationSetKey = "__AuthorizationMiddlewareSet";
    private const string TenantKitSetKey = "__TenantKitMiddlewareSet";

    /// <summary>Marks, in the builder's properties, authentication or authorization middleware that UseTenantKit will add itself.</summary>
    private static readonly object AddedByTenantKit = new();

    /// <summary>
    /// Adds the tenant middleware: every request after it runs inside its tenant (see the package readme for the whole
    /// story). Where to call it:
    /// <list type="bullet">
    /// <item>after routing, so endpoint metadata (<c>RequireHost()</c>, <c>ExcludeFromTenantResolution()</c>) is seen. A
    /// <c>WebApplication</c> routes first by itself; elsewhere call <c>UseRouting()</c> before it. Calling
    /// <c>UseRouting()</c> after it is refused when the pipeline is built.</item>
    /// <item>before authentication, authorization, rate limiting, output caching and anything that resolves services per
    /// request, so they run inside the tenant. In a <c>WebApplication</c> that has not called
    /// <c>UseAuthentication()</c>/<c>UseAuthorization()</c>, they are added right after the tenant middleware (instead of
    /// before all middleware, where the framework would put them); call them yourself, both, after
    /// <c>UseTenantKit()</c> to place them elsewhere.</item>
    /// </list>
    /// A path-base strategy rebases the path and runs routing again, so the application's routes match the rebased path.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <returns>The application builder.</returns>
    /// <exception cref="InvalidOperationException">TenantKit or its HTTP services are not registered, or the middleware is added twice.</exception>
    public static IApplicationBuilder UseTenantKit(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.ApplicationServices;
        if (services.GetService<TenantHttpStrategies>() is null || services.GetService<ITenantRuntime>() is null)
        {
            throw new InvalidOperationException(
                "TenantKit's ASP.NET Core services are not registered: call builder.Services.AddTenantKit(b => b.WithHostStrategy(\"{tenant}.example.com\")) "
                + "(any HTTP strategy, or ConfigureRequests()) before UseTenantKit().");
        }

        if (!app.Properties.TryAdd(TenantKitSetKey, true))
        {
            throw new InvalidOperationException("UseTenantKit() was called twice on this pipeline; call it once.");
        }

        var routedBefore = app.Properties.TryGetValue(EndpointRouteBuilderKey, out var localRouteBuilder);
        var isWebApplication = app.Properties.ContainsKey(GlobalEndpointRouteBuilderKey);
        var isService = services.GetService<IServiceProviderIsService>();

        // In a WebApplication the framework adds authentication and authorization before all the application's middleware,
        // where the tenant is not known yet. Claim their place so it does not, and add them after the tenant middleware.
        var addAuthentication = isWebApplication && !app.Properties.ContainsKey(AuthenticationSetKey)
            && isService?.IsService(typeof(IAuthenticationSchemeProvider)) == true;
        var addAuthorization = isWebApplication && !app.Properties.ContainsKey(AuthorizationSetKey)
            && isService?.IsService(typeof(IAuthorizationHandlerProvider)) == true;
        if (addAuthentication)
        {
            app.Properties[AuthenticationSetKey] = AddedByTenantKit;
        }

        if (addAuthorization)
        {
            app.Properties[AuthorizationSetKey] = AddedByTenantKit;
        }

        return app.Use(next =>
        {
            if (!routedBefore && app.Properties.ContainsKey(EndpointRouteBuilderKey))
            {
                throw new InvalidOperationException(
                    "UseRouting() is called after UseTenantKit(): the tenant middleware could not see the endpoint's metadata (RequireHost, ExcludeFromTenantResolution). Call UseTenantKit() after UseRouting().");
            }

            // Authentication is added if the application did not add it since; authorization too, unless the application
            // added authentication after this middleware itself (ours would then run before it, with no user).
            var authenticationOurs = addAuthentication && ReferenceEquals(Property(app, AuthenticationSetKey), AddedByTenantKit);
            var authorizationOurs = addAuthorization && ReferenceEquals(Property(app, AuthorizationSetKey), AddedByTenantKit)
                && (authenticationOurs || !addAuthentication);
            var tail = next;
            if (authenticationOurs || authorizationOurs)
            {
                var auth = app.New();
                if (authenticationOurs)
                {
                    auth.UseAuthentication();
                }

                if (authorizationOurs)
                {
                    auth.UseAuthorization();
                }

                auth.Run(next);
                tail = auth.Build();
            }

            var middleware = new TenantMiddleware(tail, services);
            var routeBuilder = routedBefore ? localRouteBuilder : Property(app, GlobalEndpointRouteBuilderKey);
            if (middleware.RebasesPaths && routeBuilder is not null)
            {
                var reroute = app.New();
                reroute.Properties[GlobalEndpointRouteBuilderKey] = routeBuilder;
                reroute.UseRouting();
                reroute.Run(middleware.EnterPendingAsync);
                middleware.UseReroute(reroute.Build());
            }

            return middleware.InvokeAsync;
        });
    }

    private static object? Property(IApplicationBuilder app, string key) => app.Properties.TryGetValue(key, out var value) ? value : null;
}
