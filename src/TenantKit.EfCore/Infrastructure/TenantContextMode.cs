namespace TenantKit.EfCore.Infrastructure;

/// <summary>Whom a DbContext serves; fixed for the context's life once its model is chosen.</summary>
internal enum TenantContextMode
{
    /// <summary>Chosen from the ambient context when the model is first needed: host scope → host, otherwise tenant.</summary>
    Auto = 0,

    /// <summary>Tenant data: the tenant filter applies, with the tenant read at query time.</summary>
    Tenant = 1,

    /// <summary>The host, across tenants: no tenant filter, only a guard that the host scope is still current.</summary>
    Host = 2,
}
