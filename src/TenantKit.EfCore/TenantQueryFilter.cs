namespace TenantKit.EfCore;

/// <summary>Names TenantKit gives to what it adds to an EF Core model.</summary>
public static class TenantQueryFilter
{
    /// <summary>
    /// The key of the named query filter on every tenant-owned entity type. It cannot be ignored: a query that calls
    /// <c>IgnoreQueryFilters()</c> without names, or with this one, is refused. Only a host scope lifts it.
    /// </summary>
    public const string Name = "TenantKit.Tenant";

    /// <summary>The tenant property's name unless another is given.</summary>
    public const string DefaultPropertyName = "TenantId";

    /// <summary>The model annotation that marks a tenant-owned entity type; its value is the tenant property's name.</summary>
    public const string PropertyAnnotation = "TenantKit:TenantProperty";
}
