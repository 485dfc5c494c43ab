using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TenantKit;
using TenantKit.EfCore;
using TenantKit.EfCore.Infrastructure;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers tenant-aware DbContexts: once in the application, resolved per tenant.</summary>
public static class TenantDbContextServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TContext"/> (scoped), <see cref="IDbContextFactory{TContext}"/> and its options so
    /// that each tenant container builds its own: <paramref name="configure"/> runs once per tenant generation with the
    /// tenant's <see cref="TenantDataLocation"/> (shared tables, its schema, or its own database), and every context
    /// from that container is bound to that tenant. In the application's container the context serves whoever is
    /// current: a tenant in shared tables, or (in a host scope) the host. Adds TenantKit if it is not added yet.
    /// </summary>
    /// <typeparam name="TContext">The context type; its constructor takes <see cref="DbContextOptions{TContext}"/>.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Configures the provider for one location: <c>(location, services, options) =&gt; options.UseNpgsql(location.ConnectionString)</c>.</param>
    /// <param name="tenantKit">Changes TenantKit's options (row-level security).</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddTenantDbContext<TContext>(
        this IServiceCollection services,
        Action<TenantDataLocation, IServiceProvider, DbContextOptionsBuilder> configure,
        Action<TenantKitDbContextOptions>? tenantKit = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new TenantKitDbContextOptions();
        tenantKit?.Invoke(options);
        services.AddTenantKit()
            .IsolateService(typeof(TenantDbContextFactory<TContext>))
            .IsolateService(typeof(IDbContextFactory<TContext>))
            .IsolateService(typeof(DbContextOptions<TContext>));
        services.TryAddSingleton(new TenantDbContextSetup<TContext>(configure, options));
        services.TryAddSingleton<TenantDbContextFactory<TContext>>();
        services.TryAddSingleton<IDbContextFactory<TContext>>(sp => sp.GetRequiredService<TenantDbContextFactory<TContext>>());
        services.TryAddSingleton(sp => sp.GetRequiredService<TenantDbContextFactory<TContext>>().ContainerOptions);
        services.TryAdd(ServiceDescriptor.Scoped(typeof(TContext), sp => sp.GetRequiredService<TenantDbContextFactory<TContext>>().CreateForScope(sp)));
        return services;
    }

    /// <summary>
    /// Registers one pool of <typeparamref name="TContext"/> shared by every tenant: <see cref="IDbContextFactory{TContext}"/>
    /// rents a context and binds it to the current tenant (setting its connection string for a database-per-tenant
    /// tenant), or to the host in a host scope; the scoped <typeparamref name="TContext"/> is rented for the tenant of
    /// the container it is resolved from. <paramref name="configure"/> runs once, for the host's location. Tenants with
    /// a schema of their own are refused (use <see cref="AddTenantDbContext{TContext}"/>). Adds TenantKit if needed.
    /// </summary>
    /// <typeparam name="TContext">The context type; its only constructor parameter is <see cref="DbContextOptions{TContext}"/>.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Configures the provider for the shared database.</param>
    /// <param name="poolSize">The most contexts each pool keeps. <value>The default is 1024.</value></param>
    /// <param name="tenantKit">Changes TenantKit's options (row-level security).</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddPooledTenantDbContextFactory<TContext>(
        this IServiceCollection services,
        Action<TenantDataLocation, IServiceProvider, DbContextOptionsBuilder> configure,
        int poolSize = 1024,
        Action<TenantKitDbContextOptions>? tenantKit = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        var options = new TenantKitDbContextOptions();
        tenantKit?.Invoke(options);
        services.AddTenantKit();
        var setup = new TenantDbContextSetup<TContext>(configure, options);
        services.TryAddSingleton(sp => new PooledTenantDbContextFactory<TContext>(
            setup, sp.GetRequiredService<ITenantConnectionResolver>(), sp.GetRequiredService<ITenantContextAccessor>(), sp, poolSize));
        services.TryAddSingleton<IDbContextFactory<TContext>>(sp => sp.GetRequiredService<PooledTenantDbContextFactory<TContext>>());
        services.TryAdd(ServiceDescriptor.Scoped(typeof(TContext), sp => sp.GetRequiredService<PooledTenantDbContextFactory<TContext>>().Rent(sp.GetService<TenantInfo>())));
        return services;
    }
}
