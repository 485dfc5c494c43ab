using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// Creates <typeparamref name="TContext"/> for one container (registered so that every tenant container builds its
/// own). In a tenant's container every context is bound to that tenant, with options built once for the tenant's
/// location. In the application's container, a context resolved from DI serves whoever is current when it is first
/// used, and <see cref="CreateDbContext"/> follows the ambient context: a tenant (options for its location, kept per
/// tenant snapshot), the host, or nobody (refused).
/// </summary>
internal sealed class TenantDbContextFactory<TContext> : IDbContextFactory<TContext>
    where TContext : DbContext
{
    private readonly TenantDbContextSetup<TContext> _setup;
    private readonly ITenantConnectionResolver _resolver;
    private readonly ITenantContextAccessor _accessor;
    private readonly IServiceProvider _services;
    private readonly TenantInfo? _tenant;
    private readonly ConditionalWeakTable<TenantInfo, DbContextOptions<TContext>> _tenantOptions = new();
    private DbContextOptions<TContext>? _containerOptions;
    private DbContextOptions<TContext>? _hostOptions;

    public TenantDbContextFactory(TenantDbContextSetup<TContext> setup, ITenantConnectionResolver resolver, ITenantContextAccessor accessor, IServiceProvider services)
    {
        _setup = setup;
        _resolver = resolver;
        _accessor = accessor;
        _services = services;
        _tenant = services.GetService<TenantInfo>();
    }

    /// <summary>The options of contexts resolved from this container: bound to its tenant, or (the application's) following the ambient context.</summary>
    public DbContextOptions<TContext> ContainerOptions => _containerOptions ??= _tenant is null
        ? _setup.Build(_resolver.Host, TenantContextMode.Auto, _services)
        : _setup.Build(_resolver.Resolve(_tenant), TenantContextMode.Tenant, _services);

    public TContext CreateForScope(IServiceProvider scope) => _setup.Create(scope, ContainerOptions);

    public TContext CreateDbContext()
    {
        if (_tenant is not null)
        {
            return _setup.Create(_services, ContainerOptions);
        }

        var ambient = _accessor.Current
            ?? throw new TenantNotSetException($"A {typeof(TContext).Name} was asked for with no current tenant and no host scope. Create it inside a tenant scope, or inside ITenantContextAccessor.BeginHostScope() where the host acts.");
        if (ambient.IsHost)
        {
            return _setup.Create(_services, _hostOptions ??= _setup.Build(_resolver.Host, TenantContextMode.Host, _services));
        }

        var options = _tenantOptions.GetValue(ambient.Tenant, t => _setup.Build(_resolver.Resolve(t), TenantContextMode.Tenant, _services));
        return _setup.Create(_services, options);
    }
}
