namespace TenantKit.EfCore.Tests.Infrastructure;

public static class Tenants
{
    public static readonly string[] Shared = ["alpha", "beta", "gamma"];

    public static TenantDraft Draft(string identifier, IReadOnlyDictionary<string, string>? properties = null)
        => new(identifier) { Id = $"id-{identifier}", Name = $"Tenant {identifier}", Properties = properties };

    public static TenantDraft[] Drafts(params string[] identifiers) => [.. identifiers.Select(i => Draft(i))];
}
