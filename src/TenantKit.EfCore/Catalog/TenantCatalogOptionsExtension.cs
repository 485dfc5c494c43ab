using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace TenantKit.EfCore.Catalog;

/// <summary>Carries the catalog's schema into <see cref="TenantCatalogDbContext"/>, and keys its model by it.</summary>
internal sealed class TenantCatalogOptionsExtension(string? schema) : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public string? Schema { get; } = schema;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
        => services.Replace(ServiceDescriptor.Singleton<IModelCacheKeyFactory, KeyFactory>());

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class KeyFactory : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime)
            => (context.GetType(), context.GetService<IDbContextOptions>().FindExtension<TenantCatalogOptionsExtension>()?.Schema, designTime);
    }

    private sealed class ExtensionInfo(TenantCatalogOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "TenantKitCatalog ";

        public override int GetServiceProviderHashCode() => 0x7E4A48;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo)
            => debugInfo["TenantKitCatalog"] = "1";
    }
}
