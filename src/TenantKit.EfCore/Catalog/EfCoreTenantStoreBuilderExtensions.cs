using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using TenantKit;
using TenantKit.EfCore;
using TenantKit.EfCore.Catalog;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps the tenant catalog in a database through EF Core.</summary>
public static class EfCoreTenantStoreBuilderExtensions
{
    /// <summary>
    /// Keeps tenants in a database (SQLite, PostgreSQL, or any relational EF Core provider), in the tables
    /// <c>tenantkit_tenants</c> and <c>tenantkit_deleted_tenants</c>, so many application nodes can share one catalog.
    /// Updates and deletes are checked against the version stamp in the database (optimistic concurrency), identifiers
    /// are unique, ids are never reused. Every write also appends to a change log (<c>tenantkit_changes</c>, numbered by
    /// <c>tenantkit_catalog_version</c>) in the same transaction: the store is an <see cref="ITenantChangeLog"/>, which
    /// every node polls to catch up on changes other nodes made. Replaces any store chosen before.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configure">Configures the provider: <c>options =&gt; options.UseNpgsql(connectionString)</c>.</param>
    /// <param name="store">Changes the store's options.</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder WithEfCoreStore(this TenantKitBuilder builder, Action<DbContextOptionsBuilder> configure, Action<EfCoreTenantStoreOptions>? store = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.WithEfCoreStore((_, options) => configure(options), store);
    }

    /// <summary>
    /// Keeps tenants in a database through EF Core, configuring the provider with the application's services.
    /// See <see cref="WithEfCoreStore(TenantKitBuilder, Action{DbContextOptionsBuilder}, Action{EfCoreTenantStoreOptions}?)"/>.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configure">Configures the provider.</param>
    /// <param name="store">Changes the store's options.</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder WithEfCoreStore(this TenantKitBuilder builder, Action<IServiceProvider, DbContextOptionsBuilder> configure, Action<EfCoreTenantStoreOptions>? store = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new EfCoreTenantStoreOptions();
        store?.Invoke(options);
        return builder.WithStore(sp =>
        {
            var contextOptions = new DbContextOptionsBuilder<TenantCatalogDbContext>();
            contextOptions.UseApplicationServiceProvider(sp);
            configure(sp, contextOptions);
            ((IDbContextOptionsBuilderInfrastructure)contextOptions).AddOrUpdateExtension(new TenantCatalogOptionsExtension(options.Schema));
            return new EfCoreTenantStore(
                new PooledDbContextFactory<TenantCatalogDbContext>(contextOptions.Options, poolSize: 64),
                options,
                sp.GetService<TimeProvider>() ?? TimeProvider.System);
        });
    }
}
