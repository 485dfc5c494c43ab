namespace TenantKit.Catalog;

/// <summary>One change in an <see cref="ITenantChangeLog"/>.</summary>
/// <param name="Version">The catalog version this change committed at; versions grow in commit order.</param>
/// <param name="Change">What changed: ids and versions, never tenant data.</param>
public sealed record TenantChangeLogEntry(long Version, TenantChangeNotice Change);
