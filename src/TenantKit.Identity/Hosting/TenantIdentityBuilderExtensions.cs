using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.Identity;
using TenantKit.Identity.Administration;
using TenantKit.Identity.Binding;
using TenantKit.Identity.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Binds ASP.NET Core Identity to TenantKit's tenants.</summary>
public static class TenantIdentityBuilderExtensions
{
    /// <summary>
    /// Binds the Identity set up so far to the tenant each request runs in. Call it last on the Identity builder, after
    /// <c>AddRoles</c>, <c>AddEntityFrameworkStores</c> (with a context registered by <c>AddTenantDbContext</c>) and
    /// <c>AddDefaultTokenProviders</c>, and declare <c>IsolateAuthentication()</c> on TenantKit's builder. It:
    /// <list type="bullet">
    /// <item>adds the tenant claim (<see cref="TenantIdentityClaimTypes.TenantId"/>) to every principal Identity makes
    /// in a tenant, by wrapping the registered <see cref="IUserClaimsPrincipalFactory{TUser}"/>;</item>
    /// <item>makes Identity's application cookie refuse a principal whose tenant claim is missing or names another
    /// tenant (at the host: any principal with a tenant claim), before security-stamp validation;</item>
    /// <item>protects Identity's bearer and refresh tokens with the tenant's data protection and refuses a token whose
    /// principal names another tenant;</item>
    /// <item>refuses user names and e-mail addresses longer than Identity's columns (256) as Identity errors;</item>
    /// <item>puts lockout on the injected <see cref="TimeProvider"/> (Identity's own <see cref="UserManager{TUser}"/>
    /// reads the wall clock); an application's own user manager class is left as it is;</item>
    /// <item>registers <see cref="ITenantIdentityAdministration"/> for the host, and validates
    /// <see cref="TenantIdentityOptions"/> at start-up;</item>
    /// <item>checks, when each tenant is activated, that the tenant has its own data protection and the tenant-binding
    /// claims-principal factory (else the tenant is not served).</item>
    /// </list>
    /// Identity's services are scoped, so each request resolves them from its tenant's container, with the tenant's
    /// <c>DbContext</c>, data protection and <c>IOptions&lt;IdentityOptions&gt;</c> (set per tenant with
    /// <c>ConfigureTenantOptions</c> or <c>BindTenantOptions</c>).
    /// </summary>
    /// <param name="builder">The Identity builder; its role type must be set (<c>AddIdentity</c> or <c>AddRoles</c>).</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The same builder.</returns>
    public static IdentityBuilder AddTenantKit(this IdentityBuilder builder, Action<TenantIdentityOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var userType = builder.UserType;
        var roleType = builder.RoleType
            ?? throw new InvalidOperationException("TenantKit.Identity needs roles (tenant administrators are a role): call AddRoles<TRole>() before AddTenantKit().");
        var services = builder.Services;
        var factoryType = typeof(IUserClaimsPrincipalFactory<>).MakeGenericType(userType);
        var decoratorType = typeof(TenantUserClaimsPrincipalFactory<>).MakeGenericType(userType);
        DecorateClaimsPrincipalFactory(services, factoryType, decoratorType);
        UseTimeProviderUserManager(services, userType);
        services.AddScoped(typeof(IUserValidator<>).MakeGenericType(userType), typeof(TenantUserLengthValidator<>).MakeGenericType(userType));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CookieAuthenticationOptions>, TenantIdentityCookiePostConfigure>());
        services.AddSingleton<IPostConfigureOptions<BearerTokenOptions>>(sp => new TenantBearerTokenPostConfigure(tenant: null, sp.GetRequiredService<IDataProtectionProvider>(), sp.GetRequiredService<ITenantContextAccessor>()));
        services.TryAddSingleton(sp => new HostDataProtection(sp.GetRequiredService<IDataProtectionProvider>()));
        var options = services.AddOptions<TenantIdentityOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TenantIdentityOptions>, TenantIdentityOptionsValidator>());
        services.TryAdd(ServiceDescriptor.Singleton(typeof(ITenantIdentityAdministration), typeof(TenantIdentityAdministration<,>).MakeGenericType(userType, roleType)));
        services.AddTenantKit()
            .ConfigureTenantServices((tenant, tenantServices) => tenantServices.AddSingleton<IPostConfigureOptions<BearerTokenOptions>>(
                sp => new TenantBearerTokenPostConfigure(tenant, sp.GetRequiredService<IDataProtectionProvider>())))
            .OnTenantActivated((tenant, tenantServices, _) =>
            {
                CheckTenant(tenant, tenantServices, factoryType, decoratorType);
                return ValueTask.CompletedTask;
            });
        return builder;
    }

    private static void DecorateClaimsPrincipalFactory(IServiceCollection services, Type factoryType, Type decoratorType)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var original = services[i];
            if (original.ServiceType != factoryType || original.IsKeyedService)
            {
                continue;
            }

            if (original.ImplementationFactory?.Target is ClaimsFactoryMarker)
            {
                return;
            }

            // Scoped whatever the original said: a singleton would be forwarded to the host's instance, which knows no tenant.
            services[i] = ServiceDescriptor.Scoped(factoryType, new ClaimsFactoryMarker(original, decoratorType).Create);
            return;
        }

        throw new InvalidOperationException(
            $"No {factoryType.Name} for {factoryType.GenericTypeArguments[0].Name} is registered: call AddTenantKit() on the builder AddIdentity, AddIdentityCore or AddDefaultIdentity returned.");
    }

    /// <summary>Identity's own user manager becomes <see cref="TimeProviderUserManager{TUser}"/> (lockout on the injected clock).</summary>
    private static void UseTimeProviderUserManager(IServiceCollection services, Type userType)
    {
        var managerType = typeof(UserManager<>).MakeGenericType(userType);
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == managerType && !descriptor.IsKeyedService && descriptor.ImplementationType == managerType)
            {
                services[i] = ServiceDescriptor.Describe(managerType, typeof(TimeProviderUserManager<>).MakeGenericType(userType), descriptor.Lifetime);
            }
        }
    }

    private static void CheckTenant(TenantInfo tenant, IServiceProvider services, Type factoryType, Type decoratorType)
    {
        var host = services.GetRequiredService<HostDataProtection>().Provider;
        if (ReferenceEquals(services.GetService<IDataProtectionProvider>(), host))
        {
            throw new InvalidOperationException(
                $"Tenant '{tenant.Identifier}' shares the application's data protection, so its cookies and tokens would be valid at other tenants: declare IsolateAuthentication() on TenantKit's builder.");
        }

        using var scope = services.CreateScope();
        var factory = scope.ServiceProvider.GetRequiredService(factoryType);
        if (factory.GetType() != decoratorType)
        {
            throw new InvalidOperationException(
                $"{factoryType.Name} of tenant '{tenant.Identifier}' is {factory.GetType().Name}, which does not add the tenant claim: register your own claims-principal factory before AddTenantKit() on the Identity builder.");
        }
    }

    /// <summary>
    /// Makes the tenant-binding factory around the application's registration, once per scope (each request that signs
    /// in or validates a cookie). Both constructors are bound once: reflection's per-call invocation re-emits its stub
    /// whenever the GC drops the type's reflection cache, which a busy tenant app does all the time.
    /// </summary>
    private sealed class ClaimsFactoryMarker
    {
        private readonly ServiceDescriptor _original;
        private readonly Func<object, TenantInfo?, object> _decorate;
        private ObjectFactory? _inner;

        public ClaimsFactoryMarker(ServiceDescriptor original, Type decoratorType)
        {
            _original = original;
            _decorate = TenantUserClaimsPrincipalFactory.Constructor(decoratorType.GenericTypeArguments[0]);
        }

        public object Create(IServiceProvider services)
        {
            var inner = _original.ImplementationInstance
                ?? _original.ImplementationFactory?.Invoke(services)
                ?? (_inner ??= ActivatorUtilities.CreateFactory(_original.ImplementationType!, Type.EmptyTypes))(services, null);
            return _decorate(inner, services.GetService<TenantInfo>());
        }
    }
}
