namespace TenantKit;

/// <summary>What the host gives to create a tenant. Every field is validated when the tenant is created.</summary>
public sealed class TenantDraft
{
    /// <summary>Creates a draft for a tenant with the given identifier.</summary>
    /// <param name="identifier">What requests will carry, such as <c>acme</c>.</param>
    public TenantDraft(string identifier)
    {
        Identifier = identifier;
    }

    /// <summary>The identifier requests will carry, such as <c>acme</c>.</summary>
    public string Identifier { get; init; }

    /// <summary>The display name. <value>The default is the identifier.</value></summary>
    public string? Name { get; init; }

    /// <summary>A stable id to use. <value>The default is a new GUID (32 hex digits): ids are never reused.</value></summary>
    public string? Id { get; init; }

    /// <summary>The initial state. <value>The default is <see cref="TenantState.Active"/>.</value></summary>
    public TenantState State { get; init; } = TenantState.Active;

    /// <summary>Optional region.</summary>
    public string? Region { get; init; }

    /// <summary>Optional owner (customer) of the tenant.</summary>
    public string? Owner { get; init; }

    /// <summary>Optional string properties.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }
}

/// <summary>Turns drafts into tenants.</summary>
internal static class TenantDraftExtensions
{
    public static TenantInfo ToTenant(this TenantDraft draft, DateTimeOffset now)
        => new(
            draft.Id ?? Guid.NewGuid().ToString("N"),
            draft.Identifier,
            draft.Name ?? draft.Identifier,
            draft.State,
            draft.Region,
            draft.Owner,
            draft.Properties,
            version: 1,
            createdAt: now,
            updatedAt: now);
}
