namespace TenantKit.Tests.Support;

/// <summary>Builds tenant snapshots for tests.</summary>
internal static class TestTenants
{
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TenantInfo Create(
        string identifier,
        string? id = null,
        TenantState state = TenantState.Active,
        string? region = null,
        string? owner = null,
        string? name = null,
        long version = 1,
        IReadOnlyDictionary<string, string>? properties = null)
        => new(id ?? "id-" + identifier, identifier, name ?? identifier, state, region, owner, properties, version, Epoch, Epoch);
}
