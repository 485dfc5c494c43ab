using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.Authentication;
using TenantKit.Authentication.Binding;
using TenantKit.Authentication.Hosting;
using TenantKit.Authentication.JwtBearer;
using TenantKit.Authentication.OpenIdConnect;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Makes an application's JWT bearer and OpenID Connect schemes tenant-managed: each tenant's authority, audience,
/// client and keys come from its properties or its configuration section, and every token, state and ticket is bound to
/// the tenant that configured it. The application adds the schemes as usual (<c>AddAuthentication().AddJwtBearer()</c>);
/// its own trust settings for them (authority, audience, keys, issuers) are never used: a tenant without settings, and
/// the host, get no user from the scheme.
/// </summary>
public static class TenantAuthenticationBuilderExtensions
{
    /// <summary>
    /// Makes the JWT bearer scheme <see cref="TenantJwtBearerOptions.Scheme"/> (added with <c>AddJwtBearer</c>) take its
    /// settings from each tenant: <c>Authority</c>, <c>Audience</c>, <c>MetadataAddress</c>, <c>RequireHttpsMetadata</c>,
    /// <c>Issuer</c> and <c>SigningKeys</c> (a JSON Web Key Set) under the property prefix or the configuration section.
    /// Tokens must be signed by the tenant's keys, issued by its issuer, for its audience, and within their lifetime (read
    /// from the scheme's <c>TimeProvider</c>). Authentication must run inside the tenant, after <c>UseTenantKit()</c>.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configure">Names the scheme, the property prefix, the configuration section; adds code per tenant.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">A name is blank, or the section template has no <c>{tenant}</c>.</exception>
    /// <exception cref="InvalidOperationException">The scheme is already tenant-managed.</exception>
    public static TenantKitBuilder WithTenantJwtBearer(this TenantKitBuilder builder, Action<TenantJwtBearerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var declaration = new TenantJwtBearerOptions();
        configure?.Invoke(declaration);
        Declare(builder.Services, declaration.Scheme, declaration.PropertyPrefix, declaration.ConfigurationSection);
        var services = builder.Services;
        services.TryAddTransient<TenantJwtBearerHandler>();
        services.AddSingleton<IPostConfigureOptions<JwtBearerOptions>>(new HostSchemeGuard<JwtBearerOptions>(declaration.Scheme, TenantJwtBearerSetup.Neutralize));
        UseHandler(services, declaration.Scheme, typeof(JwtBearerHandler), typeof(TenantJwtBearerHandler), "AddJwtBearer");
        return builder.ConfigureTenantServices((tenant, tenantServices) =>
            tenantServices.AddSingleton<IPostConfigureOptions<JwtBearerOptions>>(sp => new TenantJwtBearerSetup(
                tenant, declaration, sp.GetService<IConfiguration>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<TenantJwtBearerSetup>())));
    }

    /// <summary>
    /// Makes the OpenID Connect scheme <see cref="TenantOpenIdConnectOptions.Scheme"/> (added with <c>AddOpenIdConnect</c>)
    /// take its settings from each tenant: <c>Authority</c>, <c>MetadataAddress</c>, <c>RequireHttpsMetadata</c>,
    /// <c>ClientId</c>, <c>ClientSecret</c>, <c>CallbackPath</c>, <c>SignedOutCallbackPath</c>, <c>ResponseType</c>
    /// (<c>code</c> unless set) and <c>Scopes</c> under the property prefix or the configuration section. The sign-in
    /// state and nonce are protected for the tenant and its correlation and nonce cookies named after it, so a sign-in
    /// started at one tenant cannot be completed at another. Use it with <c>IsolateAuthentication()</c>, so the cookie the
    /// sign-in ends in is bound to the tenant too.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configure">Names the scheme, the property prefix, the configuration section; adds code per tenant.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">A name is blank, or the section template has no <c>{tenant}</c>.</exception>
    /// <exception cref="InvalidOperationException">The scheme is already tenant-managed.</exception>
    public static TenantKitBuilder WithTenantOpenIdConnect(this TenantKitBuilder builder, Action<TenantOpenIdConnectOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var declaration = new TenantOpenIdConnectOptions();
        configure?.Invoke(declaration);
        Declare(builder.Services, declaration.Scheme, declaration.PropertyPrefix, declaration.ConfigurationSection);
        var services = builder.Services;
        services.TryAddTransient<TenantOpenIdConnectHandler>();
        services.AddSingleton<IPostConfigureOptions<OpenIdConnectOptions>>(new HostSchemeGuard<OpenIdConnectOptions>(declaration.Scheme, TenantOpenIdConnectSetup.Neutralize));
        UseHandler(services, declaration.Scheme, typeof(OpenIdConnectHandler), typeof(TenantOpenIdConnectHandler), "AddOpenIdConnect");
        return builder.ConfigureTenantServices((tenant, tenantServices) =>
            tenantServices.AddSingleton<IPostConfigureOptions<OpenIdConnectOptions>>(sp => new TenantOpenIdConnectSetup(
                tenant,
                declaration,
                sp.GetService<IConfiguration>(),
                sp.GetRequiredService<IDataProtectionProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<TenantOpenIdConnectSetup>())));
    }

    private static void Declare(IServiceCollection services, string scheme, string propertyPrefix, string? sectionTemplate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        ArgumentException.ThrowIfNullOrWhiteSpace(propertyPrefix);
        if (propertyPrefix.EndsWith(':'))
        {
            throw new ArgumentException("The property prefix is written without its trailing colon.", nameof(propertyPrefix));
        }

        if (sectionTemplate is not null && !sectionTemplate.Contains(TenantSchemeSettings.SectionPlaceholder, StringComparison.Ordinal))
        {
            throw new ArgumentException("The configuration section template must contain '{tenant}'.", nameof(sectionTemplate));
        }

        TenantSchemeRegistry? registry = null;
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(TenantSchemeRegistry) && descriptor.ImplementationInstance is TenantSchemeRegistry existing)
            {
                registry = existing;
                break;
            }
        }

        if (registry is null)
        {
            registry = new TenantSchemeRegistry();
            services.AddSingleton(registry);
        }

        if (!registry.Schemes.Add(scheme))
        {
            throw new InvalidOperationException($"The authentication scheme '{scheme}' is already tenant-managed.");
        }
    }

    /// <summary>
    /// Swaps the scheme's framework handler for the tenant-bound one, and checks at start-up that the application added
    /// the scheme with the framework's method.
    /// </summary>
    private static void UseHandler(IServiceCollection services, string scheme, Type frameworkHandler, Type tenantHandler, string method)
    {
        services.PostConfigure<AuthenticationOptions>(o =>
        {
            if (o.SchemeMap.TryGetValue(scheme, out var builder) && builder.HandlerType == frameworkHandler)
            {
                builder.HandlerType = tenantHandler;
            }
        });
        services.AddOptions<AuthenticationOptions>()
            .Validate(
                o => o.SchemeMap.TryGetValue(scheme, out var builder) && builder.HandlerType == tenantHandler,
                $"The tenant-managed authentication scheme '{scheme}' must be added with AddAuthentication().{method}(\"{scheme}\").")
            .ValidateOnStart();
    }
}
