namespace TenantKit.Catalog;

/// <summary>A change to one tenant in the catalog, announced on <see cref="ITenantChangeFeed"/>.</summary>
/// <param name="kind">What happened.</param>
/// <param name="tenantId">The tenant's id.</param>
/// <param name="identifier">The tenant's identifier (after the change).</param>
/// <param name="tenant">The tenant after the change; <see langword="null"/> when deleted.</param>
/// <param name="previousIdentifier">The identifier before the change when it changed, else <see langword="null"/>.</param>
/// <param name="isRemote"><see langword="true"/> when another node made the change and it arrived through a change feed.</param>
public sealed class TenantChange(
    TenantChangeKind kind,
    string tenantId,
    string identifier,
    TenantInfo? tenant,
    string? previousIdentifier = null,
    bool isRemote = false)
{
    /// <summary>What happened.</summary>
    public TenantChangeKind Kind { get; } = kind;

    /// <summary>The tenant's id.</summary>
    public string TenantId { get; } = tenantId;

    /// <summary>The tenant's identifier (after the change).</summary>
    public string Identifier { get; } = identifier;

    /// <summary>The tenant after the change; <see langword="null"/> when deleted.</summary>
    public TenantInfo? Tenant { get; } = tenant;

    /// <summary>The identifier before the change when it changed, else <see langword="null"/>.</summary>
    public string? PreviousIdentifier { get; } = previousIdentifier;

    /// <summary><see langword="true"/> when another node made the change and it arrived through a change feed.</summary>
    public bool IsRemote { get; } = isRemote;

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Identifier} ({TenantId}){(IsRemote ? " from another node" : "")}";
}
