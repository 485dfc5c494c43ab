namespace TenantKit.EfCore;

/// <summary>How the EF Core tenant store keeps the catalog.</summary>
public sealed class EfCoreTenantStoreOptions
{
    private int _changeLogSize = 10_000;

    /// <summary>The schema of the catalog's tables (<c>tenantkit_tenants</c>, <c>tenantkit_deleted_tenants</c>, <c>tenantkit_changes</c>, <c>tenantkit_catalog_version</c>), or <see langword="null"/> for the database's default. <value>The default is <see langword="null"/>.</value></summary>
    public string? Schema { get; set; }

    /// <summary>
    /// Creates the catalog's tables (and the database) on first use when they do not exist; several nodes may race to
    /// do it. Turn it off when migrations or a DBA own the schema. <value>The default is <see langword="true"/>.</value>
    /// </summary>
    public bool CreateTables { get; set; } = true;

    /// <summary>
    /// How many entries the change log (<c>tenantkit_changes</c>) keeps; older ones are pruned as new ones are written.
    /// A node that falls further behind than this (down or cut off for that many catalog changes) finds the log
    /// truncated, drops its cached tenants and re-reads those it holds in memory. <value>The default is 10,000.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int ChangeLogSize
    {
        get => _changeLogSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _changeLogSize = value;
        }
    }
}
