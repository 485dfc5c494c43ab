namespace TenantKit.EfCore;

/// <summary>How the EF Core tenant store keeps the catalog.</summary>
public sealed class EfCoreTenantStoreOptions
{
    /// <summary>The schema of the catalog's tables (<c>tenantkit_tenants</c>, <c>tenantkit_deleted_tenants</c>), or <see langword="null"/> for the database's default. <value>The default is <see langword="null"/>.</value></summary>
    public string? Schema { get; set; }

    /// <summary>
    /// Creates the catalog's tables (and the database) on first use when they do not exist; several nodes may race to
    /// do it. Turn it off when migrations or a DBA own the schema. <value>The default is <see langword="true"/>.</value>
    /// </summary>
    public bool CreateTables { get; set; } = true;
}
