using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>How the application configures one context type; builds that context's options for a location.</summary>
internal sealed class TenantDbContextSetup<TContext>(
    Action<TenantDataLocation, IServiceProvider, DbContextOptionsBuilder> configure,
    TenantKitDbContextOptions options)
    where TContext : DbContext
{
    private readonly ObjectFactory _create = ActivatorUtilities.CreateFactory(typeof(TContext), [typeof(DbContextOptions<TContext>)]);

    public TenantKitDbContextOptions Options { get; } = options;

    public DbContextOptions<TContext> Build(TenantDataLocation location, TenantContextMode mode, IServiceProvider services)
    {
        var builder = new DbContextOptionsBuilder<TContext>();
        // EF Core takes the logger factory (a host singleton every tenant shares) from here; it does not make EF Core
        // build an internal service provider per tenant.
        builder.UseApplicationServiceProvider(services);
        configure(location, services, builder);
        TenantKitOptions.Add(builder, services, location, mode, Options);
        return builder.Options;
    }

    public TContext Create(IServiceProvider services, DbContextOptions<TContext> options)
        => (TContext)_create(services, [options]);
}

/// <summary>Adds the TenantKit extension to options.</summary>
internal static class TenantKitOptions
{
    public static void Add(DbContextOptionsBuilder builder, IServiceProvider services, TenantDataLocation location, TenantContextMode mode, TenantKitDbContextOptions options)
    {
        var accessor = services.GetService<ITenantContextAccessor>()
            ?? throw new InvalidOperationException("A tenant DbContext needs TenantKit's services: call services.AddTenantKit(...) before AddTenantDbContext.");
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("TenantKit.EfCore");
        ((IDbContextOptionsBuilderInfrastructure)builder).AddOrUpdateExtension(new TenantKitOptionsExtension(
            accessor, services.GetService<ITenantConnectionResolver>(), location, mode, options.UseRowLevelSecurity, logger,
            services.GetService<TenantKit.Features.TenantFeatureRegistry>(), services.GetService<Features.TenantFeatureModels>()));
    }
}
