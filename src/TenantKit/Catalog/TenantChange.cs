namespace TenantKit.Catalog;

/// <summary>A change to one tenant in the catalog, announced on <see cref="ITenantChangeFeed"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="TenantId">The tenant's id.</param>
/// <param name="Identifier">The tenant's identifier (after the change).</param>
/// <param name="Tenant">The tenant after the change; <see langword="null"/> when deleted.</param>
/// <param name="PreviousIdentifier">The identifier before the change when it changed, else <see langword="null"/>.</param>
/// <param name="IsRemote"><see langword="true"/> when another node made the change and it arrived through a change feed.</param>
public sealed record TenantChange(
    TenantChangeKind Kind,
    string TenantId,
    string Identifier,
    TenantInfo? Tenant,
    string? PreviousIdentifier = null,
    bool IsRemote = false);
