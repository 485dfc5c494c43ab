namespace TenantKit;

/// <summary>
/// A change to a tenant, sent by the host with the version it last read. A <see langword="null"/> field is left
/// unchanged; to clear <see cref="Region"/> or <see cref="Owner"/>, set them to an empty string.
/// </summary>
public sealed class TenantUpdate
{
    /// <summary>A new identifier, or <see langword="null"/> to keep it.</summary>
    public string? Identifier { get; init; }

    /// <summary>A new display name, or <see langword="null"/> to keep it.</summary>
    public string? Name { get; init; }

    /// <summary>A new region, <c>""</c> to clear it, or <see langword="null"/> to keep it.</summary>
    public string? Region { get; init; }

    /// <summary>A new owner, <c>""</c> to clear it, or <see langword="null"/> to keep it.</summary>
    public string? Owner { get; init; }

    /// <summary>The complete new set of properties (replacing the old set), or <see langword="null"/> to keep them.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }
}
