namespace TenantKit.AspNetCore.Middleware;

/// <summary>The feature set for requests that are not a tenant's; shared instances, so such requests allocate nothing for it.</summary>
internal sealed class NonTenantFeature : ITenantFeature
{
    private NonTenantFeature(string kind)
    {
        Kind = kind;
    }

    /// <summary>A request served for the host (no identifier).</summary>
    public static NonTenantFeature Host { get; } = new("host");

    /// <summary>A request to an endpoint excluded from tenant resolution.</summary>
    public static NonTenantFeature Excluded { get; } = new("excluded");

    public TenantInfo? Tenant => null;

    public string Kind { get; }
}
