namespace TenantKit.Catalog;

/// <summary>Which tenants to list, and which page. Results are ordered by identifier.</summary>
public sealed class TenantQuery
{
    /// <summary>The largest page a store returns.</summary>
    public const int MaxTake = 1000;

    private readonly int _skip;
    private readonly int _take = 100;

    /// <summary>How many tenants to skip. <value>The default is 0.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Skip
    {
        get => _skip;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _skip = value;
        }
    }

    /// <summary>How many tenants to return, 1 to <see cref="MaxTake"/>. <value>The default is 100.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of range.</exception>
    public int Take
    {
        get => _take;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxTake);
            _take = value;
        }
    }

    /// <summary>Only tenants in this state, or all.</summary>
    public TenantState? State { get; init; }

    /// <summary>Only tenants of this owner, or all.</summary>
    public string? Owner { get; init; }

    /// <summary>Only tenants in this region, or all.</summary>
    public string? Region { get; init; }

    /// <summary>Only tenants whose identifier or name contains this text (case-insensitive), or all.</summary>
    public string? Search { get; init; }

    /// <summary>Tells whether a tenant passes this query's filters (paging aside). Stores may use it.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <returns><see langword="true"/> when the tenant matches.</returns>
    internal bool Matches(TenantInfo tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return (State is null || tenant.State == State)
            && (Owner is null || string.Equals(tenant.Owner, Owner, StringComparison.Ordinal))
            && (Region is null || string.Equals(tenant.Region, Region, StringComparison.OrdinalIgnoreCase))
            && (string.IsNullOrEmpty(Search)
                || tenant.Identifier.Contains(Search, StringComparison.OrdinalIgnoreCase)
                || tenant.Name.Contains(Search, StringComparison.OrdinalIgnoreCase));
    }
}
