namespace TenantKit.Features;

/// <summary>One tenant's effective features, in dependency order (see <see cref="TenantFeatureRegistry"/>).</summary>
internal sealed class TenantFeatureSet : ITenantFeatures
{
    public static readonly TenantFeatureSet Empty = new(null, []);

    private readonly HashSet<string> _enabled;

    public TenantFeatureSet(string? plan, TenantFeatureDefinition[] ordered)
    {
        Plan = plan;
        Definitions = ordered;
        var ids = new string[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            ids[i] = ordered[i].Id;
        }

        Enabled = ids;
        _enabled = new HashSet<string>(ids, StringComparer.OrdinalIgnoreCase);
    }

    public string? Plan { get; }

    public IReadOnlyList<string> Enabled { get; }

    /// <summary>The enabled features' definitions, dependencies first.</summary>
    public TenantFeatureDefinition[] Definitions { get; }

    public bool IsEnabled(string feature)
    {
        ArgumentNullException.ThrowIfNull(feature);
        return _enabled.Contains(feature);
    }

    public override string ToString() => Enabled.Count == 0 ? "(none)" : string.Join(",", Enabled);
}
