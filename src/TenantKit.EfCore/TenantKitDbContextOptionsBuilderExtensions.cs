using Microsoft.Extensions.DependencyInjection;
using TenantKit;
using TenantKit.EfCore;
using TenantKit.EfCore.Infrastructure;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Turns TenantKit on for a DbContext configured by hand (<c>AddDbContext</c>, <c>new DbContextOptionsBuilder</c>).</summary>
public static class TenantKitDbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Enforces the data-layer policy on the context: tenant-owned types get the tenant filter, saves are stamped and
    /// checked, and a context with no tenant and no host scope fails closed. Inside a tenant's container (where
    /// <see cref="TenantInfo"/> is registered) the context is bound to that tenant; elsewhere it serves whoever is
    /// current when it is first used: a tenant (read again at every query) or, in a host scope, the host. The
    /// connection you configure is used as is: for schema or database per tenant prefer <c>AddTenantDbContext</c>,
    /// which hands you each tenant's location.
    /// </summary>
    /// <param name="builder">The options builder.</param>
    /// <param name="services">The application's (or the tenant's) services, for the tenant context and the connection resolver.</param>
    /// <param name="configure">Changes TenantKit's options.</param>
    /// <returns>The same builder.</returns>
    public static DbContextOptionsBuilder UseTenantKit(this DbContextOptionsBuilder builder, IServiceProvider services, Action<TenantKitDbContextOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(services);
        var options = new TenantKitDbContextOptions();
        configure?.Invoke(options);
        var resolver = services.GetService<ITenantConnectionResolver>();
        var tenant = services.GetService<TenantInfo>();
        var location = tenant is not null && resolver is not null ? resolver.Resolve(tenant)
            : tenant is not null ? new TenantDataLocation(tenant, TenantIsolationModel.SharedTables, null, null)
            : resolver?.Host ?? new TenantDataLocation(null, TenantIsolationModel.SharedTables, null, null);
        TenantKitOptions.Add(builder, services, location, TenantContextMode.Auto, options);
        return builder;
    }

    /// <inheritdoc cref="UseTenantKit(DbContextOptionsBuilder, IServiceProvider, Action{TenantKitDbContextOptions}?)"/>
    /// <typeparam name="TContext">The context type.</typeparam>
    public static DbContextOptionsBuilder<TContext> UseTenantKit<TContext>(this DbContextOptionsBuilder<TContext> builder, IServiceProvider services, Action<TenantKitDbContextOptions>? configure = null)
        where TContext : DbContext
    {
        UseTenantKit((DbContextOptionsBuilder)builder, services, configure);
        return builder;
    }
}
