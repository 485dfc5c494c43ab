namespace TenantKit.EfCore;

/// <summary>
/// Marks an entity type as tenant-owned: every row belongs to one tenant, named by a tenant column that TenantKit
/// stamps, filters and checks. The column is the CLR property named <see cref="PropertyName"/>, or a shadow property
/// of that name when the class has none.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class TenantOwnedAttribute : Attribute
{
    /// <summary>The tenant property's name. <value>The default is <c>TenantId</c>.</value></summary>
    public string PropertyName { get; init; } = TenantQueryFilter.DefaultPropertyName;
}
