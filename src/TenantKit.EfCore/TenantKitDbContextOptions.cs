namespace TenantKit.EfCore;

/// <summary>How TenantKit enforces the data-layer policy on a DbContext.</summary>
public sealed class TenantKitDbContextOptions
{
    /// <summary>
    /// PostgreSQL only: whenever EF Core opens a connection, and before a command of the context whenever whom it
    /// serves has changed since, TenantKit sets the session settings <c>tenantkit.tenant_id</c> (the current tenant) and
    /// <c>tenantkit.host</c> (<c>on</c> in a host scope), which the row-level security policies created by
    /// <c>EnsureTenantRowLevelSecurityAsync</c> read, so that even raw SQL on the context's connection cannot reach
    /// another tenant's rows. <value>The default is <see langword="false"/>.</value>
    /// </summary>
    public bool UseRowLevelSecurity { get; set; }
}
