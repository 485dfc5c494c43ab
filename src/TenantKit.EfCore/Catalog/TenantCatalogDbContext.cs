using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TenantKit.EfCore.Catalog;

/// <summary>One tenant as the catalog table holds it.</summary>
internal sealed class TenantRecord
{
    public string Id { get; set; } = string.Empty;

    public string Identifier { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public int State { get; set; }

    public string? Region { get; set; }

    public string? Owner { get; set; }

    /// <summary>The properties as a JSON object of strings.</summary>
    public string Properties { get; set; } = "{}";

    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The id of a deleted tenant: ids are never given to another tenant.</summary>
internal sealed class DeletedTenantRecord
{
    public string Id { get; set; } = string.Empty;

    public DateTimeOffset DeletedAt { get; set; }
}

/// <summary>The catalog's tables. Not tenant-owned: only the host (through the store) reads and writes them.</summary>
internal sealed class TenantCatalogDbContext(DbContextOptions<TenantCatalogDbContext> options) : DbContext(options)
{
    public DbSet<TenantRecord> Tenants => Set<TenantRecord>();

    public DbSet<DeletedTenantRecord> DeletedTenants => Set<DeletedTenantRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var schema = this.GetService<IDbContextOptions>().FindExtension<TenantCatalogOptionsExtension>()?.Schema;
        modelBuilder.HasDefaultSchema(schema);
        var ordinal = string.Equals(Database.ProviderName, "Npgsql.EntityFrameworkCore.PostgreSQL", StringComparison.Ordinal);
        modelBuilder.Entity<TenantRecord>(tenant =>
        {
            tenant.ToTable("tenantkit_tenants");
            tenant.HasKey(t => t.Id);
            tenant.Property(t => t.Id).HasColumnName("id").HasMaxLength(TenantInfo.MaxIdLength);
            var identifier = tenant.Property(t => t.Identifier).HasColumnName("identifier").HasMaxLength(TenantIdentifier.MaxLength).IsRequired();
            if (ordinal)
            {
                // Listing is ordered by identifier, ordinally, on every node: not by the database's locale.
                identifier.UseCollation("C");
            }

            tenant.HasIndex(t => t.Identifier).IsUnique();
            tenant.Property(t => t.Name).HasColumnName("name").HasMaxLength(TenantInfo.MaxNameLength).IsRequired();
            tenant.Property(t => t.State).HasColumnName("state");
            tenant.Property(t => t.Region).HasColumnName("region").HasMaxLength(TenantIdentifier.MaxLength);
            tenant.Property(t => t.Owner).HasColumnName("owner").HasMaxLength(TenantInfo.MaxNameLength);
            tenant.Property(t => t.Properties).HasColumnName("properties").IsRequired();
            tenant.Property(t => t.Version).HasColumnName("version").IsConcurrencyToken();
            tenant.Property(t => t.CreatedAt).HasColumnName("created_at");
            tenant.Property(t => t.UpdatedAt).HasColumnName("updated_at");
        });
        modelBuilder.Entity<DeletedTenantRecord>(deleted =>
        {
            deleted.ToTable("tenantkit_deleted_tenants");
            deleted.HasKey(d => d.Id);
            deleted.Property(d => d.Id).HasColumnName("id").HasMaxLength(TenantInfo.MaxIdLength);
            deleted.Property(d => d.DeletedAt).HasColumnName("deleted_at");
        });
    }
}
