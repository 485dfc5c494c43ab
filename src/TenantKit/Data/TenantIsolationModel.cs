namespace TenantKit.Data;

/// <summary>
/// Where a tenant's rows live. Chosen per tenant (the <see cref="TenantDataOptions.IsolationProperty"/> property, else
/// <see cref="TenantDataOptions.DefaultIsolation"/>), so one application can serve a hybrid: small tenants in shared
/// tables, big ones in a database of their own.
/// </summary>
public enum TenantIsolationModel
{
    /// <summary>Every tenant's rows share the same tables; a tenant column and a row filter keep them apart.</summary>
    SharedTables = 0,

    /// <summary>The tenant's tables live in a schema of its own, in the shared database.</summary>
    SchemaPerTenant = 1,

    /// <summary>The tenant has a database of its own, reached with its own connection string.</summary>
    DatabasePerTenant = 2,
}
