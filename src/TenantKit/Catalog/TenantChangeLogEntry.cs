namespace TenantKit.Catalog;

/// <summary>One change in an <see cref="ITenantChangeLog"/>.</summary>
/// <param name="version">The catalog version this change committed at; versions grow in commit order.</param>
/// <param name="change">What changed: ids and versions, never tenant data.</param>
public sealed class TenantChangeLogEntry(long version, TenantChangeNotice change)
{
    /// <summary>The catalog version this change committed at; versions grow in commit order.</summary>
    public long Version { get; } = version;

    /// <summary>What changed: ids and versions, never tenant data.</summary>
    public TenantChangeNotice Change { get; } = change;
}
