using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TenantKit.EfCore.Features;
using TenantKit.Features;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// Carries TenantKit into a DbContext's options: whom the options serve (a tenant's location, or the host's) and the
/// services that enforce the policy. It never changes which internal service provider EF Core uses, so a thousand
/// tenants share one; tenant-specific values are read per context from <see cref="TenantDbContextState"/>.
/// </summary>
internal sealed class TenantKitOptionsExtension : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public TenantKitOptionsExtension(
        ITenantContextAccessor accessor,
        ITenantConnectionResolver? resolver,
        TenantDataLocation location,
        TenantContextMode mode,
        bool rowLevelSecurity,
        ILogger? logger,
        TenantFeatureRegistry? features = null,
        TenantFeatureModels? featureModels = null)
    {
        Features = features;
        FeatureModels = featureModels;
        Accessor = accessor;
        Resolver = resolver;
        Location = location;
        Mode = mode;
        RowLevelSecurity = rowLevelSecurity;
        Logger = logger ?? NullLogger.Instance;
    }

    public ITenantContextAccessor Accessor { get; }

    /// <summary>Finds where an ambient tenant's data lives, to refuse a tenant whose data is elsewhere.</summary>
    public ITenantConnectionResolver? Resolver { get; }

    /// <summary>Where these options point; <see cref="TenantDataLocation.Tenant"/> set means the contexts are bound to that tenant.</summary>
    public TenantDataLocation Location { get; }

    public TenantContextMode Mode { get; }

    public bool RowLevelSecurity { get; }

    public ILogger Logger { get; }

    /// <summary>The declared features, to find a tenant's.</summary>
    public TenantFeatureRegistry? Features { get; }

    /// <summary>What features add to models; <see langword="null"/> when none does.</summary>
    public TenantFeatureModels? FeatureModels { get; }

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        services.TryAddScoped<TenantDbContextState>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IResettableService, TenantDbContextStateReset>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IConventionSetPlugin, TenantConventionSetPlugin>());
        services.Replace(ServiceDescriptor.Singleton<IModelCacheKeyFactory, TenantModelCacheKeyFactory>());
        services.Replace(ServiceDescriptor.Singleton<IModelCustomizer, TenantFeatureModelCustomizer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInterceptor, TenantSaveChangesInterceptor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInterceptor, TenantQueryExpressionInterceptor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInterceptor, TenantConnectionInterceptor>());
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(TenantKitOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "TenantKit ";

        // Every TenantKit context shares the same internal services: what differs per tenant is read per context.
        public override int GetServiceProviderHashCode() => 0x7E4A47;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo)
            => debugInfo["TenantKit"] = "1";
    }
}
