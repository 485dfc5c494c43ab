namespace TenantKit.Catalog;

/// <summary>
/// What one node tells the others about a catalog change, through a change log or a distributed feed: which tenant,
/// what happened, and its version after the change. It carries no tenant data: the receiving node re-reads the tenant
/// from the store, so a forged or stale notice can at worst cause a re-read.
/// </summary>
/// <param name="kind">What happened.</param>
/// <param name="tenantId">The tenant's id.</param>
/// <param name="identifier">The tenant's identifier after the change (normalised, lower case).</param>
/// <param name="previousIdentifier">The identifier before the change when it changed, else <see langword="null"/>.</param>
/// <param name="tenantVersion">The tenant's version after the change (for a deletion, the version deleted; 0 when unknown).</param>
public sealed class TenantChangeNotice(
    TenantChangeKind kind,
    string tenantId,
    string identifier,
    string? previousIdentifier,
    long tenantVersion)
{
    /// <summary>What happened.</summary>
    public TenantChangeKind Kind { get; } = kind;

    /// <summary>The tenant's id.</summary>
    public string TenantId { get; } = tenantId;

    /// <summary>The tenant's identifier after the change (normalised, lower case).</summary>
    public string Identifier { get; } = identifier;

    /// <summary>The identifier before the change when it changed, else <see langword="null"/>.</summary>
    public string? PreviousIdentifier { get; } = previousIdentifier;

    /// <summary>The tenant's version after the change (for a deletion, the version deleted; 0 when unknown).</summary>
    public long TenantVersion { get; } = tenantVersion;

    /// <summary>Makes the notice of a change announced on this node.</summary>
    /// <param name="change">The change.</param>
    /// <returns>The notice.</returns>
    public static TenantChangeNotice From(TenantChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new TenantChangeNotice(change.Kind, change.TenantId, change.Identifier, change.PreviousIdentifier, change.Tenant?.Version ?? 0);
    }

    /// <summary>Tells whether the notice is well formed: a known kind, an id, valid identifiers, a version that is not negative.</summary>
    /// <param name="problem">What is wrong, when it is not.</param>
    /// <returns><see langword="true"/> when the notice can be applied.</returns>
    public bool IsValid(out string? problem)
    {
        problem = !Enum.IsDefined(Kind) ? $"unknown change kind {(int)Kind}"
            : string.IsNullOrWhiteSpace(TenantId) || TenantId.Length > TenantInfo.MaxIdLength ? "missing or too long tenant id"
            : Identifier is null || !TenantIdentifier.IsValid(Identifier) ? "invalid identifier"
            : PreviousIdentifier is not null && !TenantIdentifier.IsValid(PreviousIdentifier) ? "invalid previous identifier"
            : TenantVersion < 0 ? "negative version"
            : null;
        return problem is null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Identifier} ({TenantId}) at version {TenantVersion}";
}
