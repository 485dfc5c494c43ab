using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc.TagHelpers;
using Microsoft.AspNetCore.Mvc.TagHelpers.Cache;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.AspNetCore;
using TenantKit.AspNetCore.Authentication;
using TenantKit.AspNetCore.Hosting;
using TenantKit.AspNetCore.OutputCaching;
using TenantKit.AspNetCore.Resolution;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Declares how HTTP requests name their tenant, and what each tenant gets of its own in ASP.NET Core. Strategies run
/// in the order they are declared and the first that answers wins, except the claim strategy, which is authoritative
/// (see <see cref="WithClaimStrategy"/>).
/// </summary>
public static class TenantKitHttpBuilderExtensions
{
    /// <summary>
    /// Reads the tenant from the host name with one or more templates: <c>{tenant}.example.com</c>,
    /// <c>{tenant}.localhost</c>. Ports, letter case, a trailing dot and internationalised names are handled; a host that
    /// matches no template carries no identifier.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="templates">The templates, tried in order.</param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder WithHostStrategy(this TenantKitBuilder builder, params string[] templates)
    {
        ArgumentNullException.ThrowIfNull(templates);
        return builder.WithHostStrategy(o =>
        {
            foreach (var template in templates)
            {
                o.Templates.Add(template);
            }
        });
    }

    /// <summary>Reads the tenant from the host name, with templates and identifiers to ignore (<c>www</c>).</summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configure">Sets the templates and ignored identifiers.</param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder WithHostStrategy(this TenantKitBuilder builder, Action<HostStrategyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new HostStrategyOptions();
        configure(options);
        var strategy = new HostTenantStrategy(options.Templates, options.IgnoredIdentifiers);
        Register(builder).Hosts.Add(strategy);
        return builder.WithStrategy<HttpContext>(strategy);
    }

    /// <summary>
    /// Reads the tenant from the start of the path (<c>/t/{tenant}</c>). A served request is rebased: the matched prefix
    /// moves to <see cref="HttpRequest.PathBase"/>, so <c>/t/acme/orders</c> reaches the application's <c>/orders</c>
    /// endpoint and the links it generates keep the prefix. Routing is run again on the rebased path.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="template">Literal segments followed by a last <c>{tenant}</c> segment. <value>The default is <c>/t/{tenant}</c>.</value></param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder WithPathBaseStrategy(this TenantKitBuilder builder, string template = "/t/{tenant}")
    {
        ArgumentNullException.ThrowIfNull(builder);
        var strategy = new PathBaseTenantStrategy(template);
        Register(builder).PathBase.Add(strategy);
        return builder.WithStrategy<HttpContext>(strategy);
    }

    /// <summary>
    /// Reads the tenant from a route value matched by endpoint routing (<c>app.MapGet("/{tenant}/orders", ...)</c>).
    /// Routing runs before the tenant middleware in a <c>WebApplication</c>; elsewhere call <c>UseRouting()</c> first.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="routeValueName">The route value. <value>The default is <c>tenant</c>.</value></param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder WithRouteValueStrategy(this TenantKitBuilder builder, string routeValueName = "tenant")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(routeValueName);
        Register(builder);
        return builder.WithStrategy<HttpContext>(new RouteValueTenantStrategy(routeValueName));
    }

    /// <summary>
    /// Reads the tenant from a request header. Any client can send any header: declare it only behind a gateway that sets
    /// it, or together with <see cref="WithClaimStrategy"/> so a signed-in user cannot name another tenant. A repeated
    /// header is refused as malformed (400).
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="headerName">The header. <value>The default is <c>X-Tenant</c>.</value></param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder WithHeaderStrategy(this TenantKitBuilder builder, string headerName = "X-Tenant")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(headerName);
        Register(builder);
        return builder.WithStrategy<HttpContext>(new HeaderTenantStrategy(headerName));
    }

    /// <summary>Reads the tenant from a query-string parameter (<c>?tenant=acme</c>). A repeated parameter is refused as malformed.</summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="parameterName">The parameter. <value>The default is <c>tenant</c>.</value></param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder WithQueryStrategy(this TenantKitBuilder builder, string parameterName = "tenant")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(parameterName);
        Register(builder);
        return builder.WithStrategy<HttpContext>(new QueryTenantStrategy(parameterName));
    }

    /// <summary>
    /// Reads the tenant from a claim of the authenticated user, holding the tenant identifier. The claim is
    /// authoritative: when another strategy (a header, the host) names a tenant and the user's claim names another, the
    /// request is refused with 403 (<see cref="TenantProblemTypes.TenantMismatch"/>), whatever the declared order. The
    /// user must be authenticated before <c>UseTenantKit()</c> runs: either with host-wide authentication placed before
    /// it, or by naming <paramref name="authenticationScheme"/>, which the strategy runs itself (with the host's options).
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="claimType">The claim. <value>The default is <c>tenant</c>.</value></param>
    /// <param name="authenticationScheme">A scheme to authenticate with, or <see langword="null"/> to read <see cref="HttpContext.User"/>.</param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder WithClaimStrategy(this TenantKitBuilder builder, string claimType = "tenant", string? authenticationScheme = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(claimType);
        var strategy = new ClaimTenantStrategy(claimType, authenticationScheme);
        Register(builder).Claims.Add(strategy);
        return builder.WithStrategy<HttpContext>(strategy);
    }

    /// <summary>Reads the tenant with a delegate over the request (return <see langword="null"/> for no answer).</summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="read">Reads the identifier.</param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder WithRequestStrategy(this TenantKitBuilder builder, Func<HttpContext, string?> read)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(read);
        Register(builder);
        return builder.WithDelegateStrategy<HttpContext>(context => read(context));
    }

    /// <summary>Configures how <c>UseTenantKit()</c> treats requests (non-tenant requests, region filter).</summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder ConfigureRequests(this TenantKitBuilder builder, Action<TenantRequestOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Isolates authentication between tenants:
    /// <list type="bullet">
    /// <item>each tenant's container gets its own <see cref="IDataProtectionProvider"/>, derived from the host's with a
    /// purpose naming the tenant id (shared keys, separate payloads);</item>
    /// <item>every cookie scheme protects its ticket with that provider, stamps the tenant id in the ticket and rejects a
    /// ticket of another tenant, and (by option) uses a cookie name of the tenant's own;</item>
    /// <item>antiforgery tokens carry the tenant id and fail validation at another tenant;</item>
    /// <item><see cref="IAuthenticationSchemeProvider"/> is isolated, so schemes and defaults changed for one tenant
    /// (per-tenant <c>AuthenticationOptions</c>, schemes added at run time) stay in that tenant.</item>
    /// </list>
    /// Scheme options (cookie paths, a JWT authority, an OIDC client) are options, built per tenant: set them with
    /// <see cref="ConfigureTenantAuthentication{TOptions}"/>. Authentication must run inside the tenant, after
    /// <c>UseTenantKit()</c> (which adds it there itself in a <c>WebApplication</c>).
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder IsolateAuthentication(this TenantKitBuilder builder, Action<TenantAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder);
        var options = new TenantAuthenticationOptions();
        configure?.Invoke(options);
        var services = builder.Services;
        services.TryAddSingleton<TenantDataProtection>();
        ReplaceDefaultAntiforgeryDataProvider(services);
        builder.IsolateService(typeof(IAuthenticationSchemeProvider));
        return builder.ConfigureTenantServices((tenant, tenantServices) =>
        {
            tenantServices.AddSingleton(sp => sp.GetRequiredService<TenantDataProtection>().For(tenant));
            tenantServices.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>>(sp =>
                new TenantCookiePostConfigure(tenant, sp.GetRequiredService<IDataProtectionProvider>(), options.PerTenantCookieNames));
        });
    }

    /// <summary>
    /// Configures an authentication scheme's options per tenant, after the application's configuration: a JWT authority,
    /// an OIDC client id and secret, a cookie's login path, from the tenant's properties.
    /// </summary>
    /// <typeparam name="TOptions">The scheme's options type (<c>JwtBearerOptions</c>, <c>CookieAuthenticationOptions</c>...).</typeparam>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="scheme">The scheme name (<c>Bearer</c>, <c>Cookies</c>...).</param>
    /// <param name="configure">Changes the options for one tenant.</param>
    /// <returns>The builder.</returns>
    public static TenantKitBuilder ConfigureTenantAuthentication<TOptions>(this TenantKitBuilder builder, string scheme, Action<TenantInfo, TOptions> configure)
        where TOptions : AuthenticationSchemeOptions
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.ConfigureTenantServices((tenant, services) => services.Configure<TOptions>(scheme, options => configure(tenant, options)));
    }

    /// <summary>Registers the adapter's own services once and returns the HTTP strategy registry.</summary>
    internal static TenantHttpStrategies Register(TenantKitBuilder builder)
    {
        var services = builder.Services;
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(TenantHttpStrategies) && descriptor.ImplementationInstance is TenantHttpStrategies existing)
            {
                return existing;
            }
        }

        var strategies = new TenantHttpStrategies();
        services.AddSingleton(strategies);
        IsolateCacheTagHelpers(builder);
        services.AddOptions<TenantRequestOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantRequestOptions>, TenantRequestOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OutputCacheOptions>, TenantOutputCacheSetup>());
        return strategies;
    }

    /// <summary>
    /// Isolates ASP.NET Core MVC's cache tag helpers: <c>&lt;distributed-cache&gt;</c> stores fragments in
    /// <c>IDistributedCache</c> (the storage, and the service that also shares renders in flight by key), and
    /// <c>&lt;cache&gt;</c> keeps them in a memory cache of the factory's own: shared, a tenant would be served a
    /// fragment another tenant rendered for the same page.
    /// </summary>
    private static void IsolateCacheTagHelpers(TenantKitBuilder builder)
    {
        builder.IsolateService(typeof(IDistributedCacheTagHelperStorage));
        builder.IsolateService(typeof(IDistributedCacheTagHelperService));
        builder.IsolateService(typeof(CacheTagHelperMemoryCacheFactory));
    }

    private static void ReplaceDefaultAntiforgeryDataProvider(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == typeof(IAntiforgeryAdditionalDataProvider))
            {
                // Replace only the framework's default, which adds nothing; an application's own provider is kept.
                if (descriptor.ImplementationType?.Name == "DefaultAntiforgeryAdditionalDataProvider")
                {
                    services[i] = ServiceDescriptor.Singleton<IAntiforgeryAdditionalDataProvider, TenantAntiforgeryDataProvider>();
                }

                return;
            }
        }

        services.AddSingleton<IAntiforgeryAdditionalDataProvider, TenantAntiforgeryDataProvider>();
    }
}
