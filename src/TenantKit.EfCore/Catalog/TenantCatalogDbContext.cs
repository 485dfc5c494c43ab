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

/// <summary>One entry of the change log: what changed, at which catalog version.</summary>
internal sealed class TenantChangeRecord
{
    public long Version { get; set; }

    public int Kind { get; set; }

    public string TenantId { get; set; } = string.Empty;

    public string Identifier { get; set; } = string.Empty;

    public string? PreviousIdentifier { get; set; }

    public long TenantVersion { get; set; }

    public DateTimeOffset ChangedAt { get; set; }
}

/// <summary>
/// The single row holding the catalog version. Every write increments it first, in its own transaction: the row lock
/// serialises writers, so versions are handed out, and become visible, in commit order.
/// </summary>
internal sealed class CatalogVersionRecord
{
    public const int SingletonId = 1;

    public int Id { get; set; }

    public long Version { get; set; }

    /// <summary>The highest version whose log entry was pruned: a read from before it cannot be answered in full.</summary>
    public long PrunedThrough { get; set; }
}

/// <summary>The catalog's tables. Not tenant-owned: only the host (through the store) reads and writes them.</summary>
internal sealed class TenantCatalogDbContext(DbContextOptions<TenantCatalogDbContext> options) : DbContext(options)
{
    public DbSet<TenantRecord> Tenants => Set<TenantRecord>();

    public DbSet<DeletedTenantRecord> DeletedTenants => Set<DeletedTenantRecord>();

    public DbSet<TenantChangeRecord> Changes => Set<TenantChangeRecord>();

    public DbSet<CatalogVersionRecord> CatalogVersion => Set<CatalogVersionRecord>();

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
        modelBuilder.Entity<TenantChangeRecord>(change =>
        {
            change.ToTable("tenantkit_changes");
            change.HasKey(c => c.Version);
            change.Property(c => c.Version).HasColumnName("version").ValueGeneratedNever();
            change.Property(c => c.Kind).HasColumnName("kind");
            change.Property(c => c.TenantId).HasColumnName("tenant_id").HasMaxLength(TenantInfo.MaxIdLength).IsRequired();
            change.Property(c => c.Identifier).HasColumnName("identifier").HasMaxLength(TenantIdentifier.MaxLength).IsRequired();
            change.Property(c => c.PreviousIdentifier).HasColumnName("previous_identifier").HasMaxLength(TenantIdentifier.MaxLength);
            change.Property(c => c.TenantVersion).HasColumnName("tenant_version");
            change.Property(c => c.ChangedAt).HasColumnName("changed_at");
        });
        modelBuilder.Entity<CatalogVersionRecord>(version =>
        {
            version.ToTable("tenantkit_catalog_version");
            version.HasKey(v => v.Id);
            version.Property(v => v.Id).HasColumnName("id").ValueGeneratedNever();
            version.Property(v => v.Version).HasColumnName("version");
            version.Property(v => v.PrunedThrough).HasColumnName("pruned_through");
            version.HasData(new CatalogVersionRecord { Id = CatalogVersionRecord.SingletonId, Version = 0, PrunedThrough = 0 });
        });
    }
}
