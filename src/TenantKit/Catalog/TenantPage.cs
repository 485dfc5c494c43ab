namespace TenantKit.Catalog;

/// <summary>One page of a tenant listing.</summary>
/// <param name="Items">The tenants on this page, ordered by identifier.</param>
/// <param name="TotalCount">How many tenants match the query in all.</param>
public sealed record TenantPage(IReadOnlyList<TenantInfo> Items, int TotalCount);
