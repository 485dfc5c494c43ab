namespace TenantKit.Features;

/// <summary>
/// The features one tenant has, as its current container was built: resolve it from the tenant's services. Always-on
/// features, the defaults, the tenant's plan and its own additions, less its removals, with every dependency.
/// </summary>
public interface ITenantFeatures
{
    /// <summary>The tenant's plan, or <see langword="null"/> when it names none.</summary>
    string? Plan { get; }

    /// <summary>The enabled feature ids, dependencies before the features that need them.</summary>
    IReadOnlyList<string> Enabled { get; }

    /// <summary>Whether the tenant has <paramref name="feature"/> (ids compare without regard to letter case).</summary>
    /// <param name="feature">The feature id.</param>
    /// <returns><see langword="true"/> when the feature is enabled for the tenant.</returns>
    bool IsEnabled(string feature);
}
