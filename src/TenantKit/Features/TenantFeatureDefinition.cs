using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Features;

/// <summary>A feature the application declared with <c>AddFeature</c>: its id, description and dependencies.</summary>
public sealed class TenantFeatureDefinition
{
    internal TenantFeatureDefinition(string id)
    {
        Id = id;
    }

    /// <summary>The feature id: lower-case letters, digits, <c>-</c>, <c>_</c> and <c>.</c>, starting with a letter.</summary>
    public string Id { get; }

    /// <summary>What the feature gives a tenant, for people (an operator's console); empty when not described.</summary>
    public string Description { get; internal set; } = string.Empty;

    /// <summary>The ids of the features this one needs, as declared.</summary>
    public IReadOnlyList<string> Dependencies => DependencyList;

    /// <summary>Whether every tenant has the feature; it cannot be removed.</summary>
    public bool IsAlwaysOn { get; internal set; }

    /// <summary>Whether every tenant has the feature unless the tenant removes it (<c>-id</c>).</summary>
    public bool IsEnabledByDefault { get; internal set; }

    internal List<string> DependencyList { get; } = [];

    internal List<Action<TenantInfo, IServiceCollection>> ConfigureServices { get; } = [];

    internal List<Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask>> OnActivated { get; } = [];

    internal List<Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask>> OnUnloading { get; } = [];
}
