namespace TenantKit.Catalog;

/// <summary>One page of a tenant listing.</summary>
/// <param name="items">The tenants on this page, ordered by identifier.</param>
/// <param name="totalCount">How many tenants match the query in all.</param>
public sealed class TenantPage(IReadOnlyList<TenantInfo> items, int totalCount)
{
    /// <summary>The tenants on this page, ordered by identifier.</summary>
    public IReadOnlyList<TenantInfo> Items { get; } = items;

    /// <summary>How many tenants match the query in all.</summary>
    public int TotalCount { get; } = totalCount;
}
