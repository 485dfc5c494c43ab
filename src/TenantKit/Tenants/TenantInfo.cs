using System.Collections.Frozen;

namespace TenantKit;

/// <summary>
/// One tenant as the catalog holds it: an immutable snapshot. A change (by the host) produces a new snapshot with a
/// higher <see cref="Version"/>. The constructor validates every field, so an instance is always valid.
/// </summary>
public sealed class TenantInfo
{
    /// <summary>The longest id allowed.</summary>
    public const int MaxIdLength = 64;

    /// <summary>The longest display name allowed.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The most properties a tenant may have.</summary>
    internal const int MaxProperties = 256;

    private static readonly IReadOnlyDictionary<string, string> NoProperties =
        new Dictionary<string, string>().ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static int s_lastSnapshotNumber;

    /// <summary>Creates a tenant snapshot, validating every field.</summary>
    /// <param name="id">The stable id: never changes, never reused. 1 to 64 characters of letters, digits, <c>-</c>, <c>_</c>, <c>.</c>.</param>
    /// <param name="identifier">What requests carry (<c>acme</c>); normalised with <see cref="TenantIdentifier.Normalize"/>.</param>
    /// <param name="name">The display name; 1 to 200 characters.</param>
    /// <param name="state">Whether the tenant is served.</param>
    /// <param name="region">Optional region (<c>eu-west</c>); same rules as an identifier.</param>
    /// <param name="owner">Optional owner: the customer that owns this tenant (and maybe its QA and development tenants).</param>
    /// <param name="properties">Optional string properties (plan, branding, connection string name...). Keys are case-insensitive.</param>
    /// <param name="version">The version stamp for optimistic concurrency, from 1.</param>
    /// <param name="createdAt">When the tenant was created.</param>
    /// <param name="updatedAt">When the tenant was last changed.</param>
    /// <exception cref="TenantValidationException">Any field is invalid; every problem is listed.</exception>
    public TenantInfo(
        string id,
        string identifier,
        string name,
        TenantState state = TenantState.Active,
        string? region = null,
        string? owner = null,
        IReadOnlyDictionary<string, string>? properties = null,
        long version = 1,
        DateTimeOffset createdAt = default,
        DateTimeOffset updatedAt = default)
    {
        var errors = new TenantValidationErrors();
        errors.CheckId(id);
        string? normalized = null;
        if (!TenantIdentifier.TryNormalize(identifier, out normalized, out var identifierError))
        {
            errors.Add("identifier", $"'{TenantIdentifier.ToDisplay(identifier)}' is not a valid tenant identifier: {identifierError}");
        }

        errors.CheckName(name);
        errors.CheckState(state);
        errors.CheckRegion(region);
        errors.CheckOwner(owner);
        errors.CheckProperties(properties);
        if (version < 1)
        {
            errors.Add("version", "must be 1 or more.");
        }

        errors.ThrowIfAny();

        Id = id;
        Identifier = normalized!;
        Name = name;
        State = state;
        Region = string.IsNullOrEmpty(region) ? null : region.ToLowerInvariant();
        Owner = string.IsNullOrEmpty(owner) ? null : owner;
        Properties = properties is null || properties.Count == 0
            ? NoProperties
            : properties.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        Version = version;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt == default ? createdAt : updatedAt;
        SnapshotNumber = Interlocked.Increment(ref s_lastSnapshotNumber);
    }

    /// <summary>The stable id: never changes and is never given to another tenant.</summary>
    public string Id { get; }

    /// <summary>The normalised identifier requests carry, such as <c>acme</c> in <c>acme.example.com</c>.</summary>
    public string Identifier { get; }

    /// <summary>The display name.</summary>
    public string Name { get; }

    /// <summary>Whether the tenant is served.</summary>
    public TenantState State { get; }

    /// <summary><see langword="true"/> when <see cref="State"/> is <see cref="TenantState.Active"/>.</summary>
    public bool IsActive => State == TenantState.Active;

    /// <summary>The region the tenant lives in, or <see langword="null"/>.</summary>
    public string? Region { get; }

    /// <summary>The owner (customer) of the tenant, or <see langword="null"/>.</summary>
    public string? Owner { get; }

    /// <summary>The tenant's string properties; keys are case-insensitive. Never <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>The version stamp: 1 when created, one more at every change.</summary>
    public long Version { get; }

    /// <summary>When the tenant was created (from the catalog's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>When the tenant was last changed.</summary>
    public DateTimeOffset UpdatedAt { get; }

    /// <summary>
    /// A number given to this snapshot object when it was made, distinct from the numbers of the snapshots made near it
    /// (it wraps after 2^32). It names the object, not the tenant: tables that recall something by snapshot identity
    /// index by it, which is cheaper than an identity hash and spreads consecutive snapshots evenly.
    /// </summary>
    internal int SnapshotNumber { get; }

    /// <summary>Returns a property's value, or <see langword="null"/> when the tenant does not have it.</summary>
    /// <param name="key">The property key (case-insensitive).</param>
    /// <returns>The value or <see langword="null"/>.</returns>
    public string? GetProperty(string key) => Properties.TryGetValue(key, out var value) ? value : null;

    /// <inheritdoc />
    public override string ToString() => $"{Identifier} ({Id}, v{Version}, {State})";

    /// <summary>Returns a copy with the given changes and the given version and update time.</summary>
    internal TenantInfo With(
        string? identifier = null,
        string? name = null,
        TenantState? state = null,
        Optional<string?> region = default,
        Optional<string?> owner = default,
        IReadOnlyDictionary<string, string>? properties = null,
        long? version = null,
        DateTimeOffset? updatedAt = null)
        => new(
            Id,
            identifier ?? Identifier,
            name ?? Name,
            state ?? State,
            region.HasValue ? region.Value : Region,
            owner.HasValue ? owner.Value : Owner,
            properties ?? Properties,
            version ?? Version,
            CreatedAt,
            updatedAt ?? UpdatedAt);

    /// <summary>Returns a copy with other creation and update times.</summary>
    internal TenantInfo WithTimes(DateTimeOffset createdAt, DateTimeOffset updatedAt)
        => new(Id, Identifier, Name, State, Region, Owner, Properties, Version, createdAt, updatedAt);

    /// <summary>True when both snapshots hold the same data, ignoring version and times.</summary>
    internal bool HasSameData(TenantInfo other)
    {
        if (Id != other.Id || Identifier != other.Identifier || Name != other.Name || State != other.State
            || Region != other.Region || Owner != other.Owner || Properties.Count != other.Properties.Count)
        {
            return false;
        }

        foreach (var (key, value) in Properties)
        {
            if (!other.Properties.TryGetValue(key, out var otherValue) || !string.Equals(value, otherValue, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
