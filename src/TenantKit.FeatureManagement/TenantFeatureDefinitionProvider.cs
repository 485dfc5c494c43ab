using System.Runtime.CompilerServices;
using Microsoft.FeatureManagement;
using TenantKit.Features;

namespace TenantKit.FeatureManagement;

/// <summary>
/// One tenant's feature definitions for Microsoft.FeatureManagement: every declared TenantKit feature, those the
/// tenant has with the built-in <c>AlwaysOn</c> filter, the others with none (so they evaluate to off). Built once per
/// tenant container, from the set that container was built with.
/// </summary>
internal sealed class TenantFeatureDefinitionProvider : IFeatureDefinitionProvider
{
    private const string AlwaysOn = "AlwaysOn";

    private readonly Dictionary<string, FeatureDefinition> _definitions = new(StringComparer.OrdinalIgnoreCase);
    private readonly FeatureDefinition[] _all;

    public TenantFeatureDefinitionProvider(TenantFeatureRegistry registry, ITenantFeatures? features)
    {
        var all = new List<FeatureDefinition>(registry.Features.Count);
        foreach (var feature in registry.Features)
        {
            var enabled = features?.IsEnabled(feature.Id) == true;
            var definition = new FeatureDefinition
            {
                Name = feature.Id,
                EnabledFor = enabled ? [new FeatureFilterConfiguration { Name = AlwaysOn }] : [],
            };
            _definitions[feature.Id] = definition;
            all.Add(definition);
        }

        _all = [.. all];
    }

    public Task<FeatureDefinition> GetFeatureDefinitionAsync(string featureName)
    {
        ArgumentNullException.ThrowIfNull(featureName);

        // Microsoft.FeatureManagement takes null for a feature it does not know (off, or an error by its options).
        return Task.FromResult(_definitions.GetValueOrDefault(featureName)!);
    }

    public async IAsyncEnumerable<FeatureDefinition> GetAllFeatureDefinitionsAsync()
    {
        foreach (var definition in _all)
        {
            yield return definition;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
