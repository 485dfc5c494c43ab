namespace TenantKit.Features;

/// <summary>Read-modify-write of a tenant's feature properties through <see cref="ITenantAdministration"/>.</summary>
internal sealed class TenantFeatureAdministration(ITenantAdministration administration, TenantFeatureRegistry registry) : ITenantFeatureAdministration
{
    private const int MaxConflictRetries = 5;

    public ValueTask<TenantInfo> EnableFeatureAsync(string id, string feature, long? expectedVersion = null, bool enableDependencies = false, CancellationToken cancellationToken = default)
    {
        var definition = Require(feature);
        return ChangeAsync(id, expectedVersion, (tenant, current) => Enable(tenant, current, definition, enableDependencies), cancellationToken);
    }

    public ValueTask<TenantInfo> DisableFeatureAsync(string id, string feature, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var definition = Require(feature);
        return ChangeAsync(id, expectedVersion, (tenant, current) => Disable(tenant, current, definition), cancellationToken);
    }

    public ValueTask<TenantInfo> SetPlanAsync(string id, string? plan, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        string? name = null;
        if (!string.IsNullOrWhiteSpace(plan))
        {
            name = registry.Plans.Keys.FirstOrDefault(k => string.Equals(k, plan.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new TenantValidationException("plan", $"'{TenantIdentifier.ToDisplay(plan)}' is not a declared plan.");
        }

        return ChangeAsync(id, expectedVersion, (tenant, _) =>
        {
            var properties = new Dictionary<string, string>(tenant.Properties, StringComparer.OrdinalIgnoreCase);
            if (name is null)
            {
                properties.Remove(TenantFeatureProperties.Plan);
            }
            else
            {
                properties[TenantFeatureProperties.Plan] = name;
            }

            return properties;
        }, cancellationToken);
    }

    private TenantFeatureDefinition Require(string feature)
    {
        ArgumentNullException.ThrowIfNull(feature);
        return registry.Find(feature.Trim()) ?? throw new TenantValidationException("features", $"'{TenantIdentifier.ToDisplay(feature)}' is not a declared feature.");
    }

    private Dictionary<string, string>? Enable(TenantInfo tenant, TenantFeatureSet current, TenantFeatureDefinition feature, bool enableDependencies)
    {
        if (current.IsEnabled(feature.Id))
        {
            return null;
        }

        var changes = Changes(tenant);
        var missing = new List<TenantFeatureDefinition>();
        Collect(feature, current, missing, []);
        missing.Remove(feature);
        if (missing.Count > 0 && !enableDependencies)
        {
            throw new TenantValidationException("features",
                $"'{feature.Id}' needs {string.Join(", ", missing.Select(m => $"'{m.Id}'"))}, which the tenant does not have. Enable {(missing.Count == 1 ? "it" : "them")} first, or ask for the dependencies to be enabled too.");
        }

        // Take back removals first; then add what the plan or the defaults do not give.
        var wanted = missing.Append(feature).ToList();
        foreach (var needed in wanted)
        {
            changes.RemoveAll(c => ReferenceEquals(c.Feature, needed));
        }

        var after = registry.Compute(Write(tenant, changes), []);
        foreach (var needed in wanted)
        {
            if (after is null || !after.IsEnabled(needed.Id))
            {
                changes.Add((needed, false));
            }
        }

        return Write(tenant, changes);
    }

    private Dictionary<string, string>? Disable(TenantInfo tenant, TenantFeatureSet current, TenantFeatureDefinition feature)
    {
        if (!current.IsEnabled(feature.Id))
        {
            return null;
        }

        if (feature.IsAlwaysOn)
        {
            throw new TenantValidationException("features", $"'{feature.Id}' is always on and cannot be disabled.");
        }

        var dependents = current.Definitions.Where(d => d.DependencyList.Contains(feature.Id, StringComparer.Ordinal)).Select(d => $"'{d.Id}'").ToList();
        if (dependents.Count > 0)
        {
            throw new TenantValidationException("features",
                $"'{feature.Id}' is needed by {string.Join(", ", dependents)}, which the tenant has. Disable {(dependents.Count == 1 ? "it" : "them")} first.");
        }

        var changes = Changes(tenant);
        changes.RemoveAll(c => ReferenceEquals(c.Feature, feature));
        var without = Write(tenant, changes);
        if (registry.Compute(without, []) is { } after && after.IsEnabled(feature.Id))
        {
            // Still given by the plan or the defaults: remove it explicitly.
            changes.Add((feature, true));
            return Write(tenant, changes);
        }

        return without;
    }

    /// <summary>The features <paramref name="feature"/> needs (itself included) that <paramref name="current"/> lacks.</summary>
    private void Collect(TenantFeatureDefinition feature, TenantFeatureSet current, List<TenantFeatureDefinition> missing, HashSet<TenantFeatureDefinition> seen)
    {
        if (!seen.Add(feature) || current.IsEnabled(feature.Id))
        {
            return;
        }

        foreach (var dependency in feature.DependencyList)
        {
            Collect(registry.Find(dependency)!, current, missing, seen);
        }

        missing.Add(feature);
    }

    private List<(TenantFeatureDefinition Feature, bool Remove)> Changes(TenantInfo tenant)
    {
        return registry.ParseChanges(tenant.GetProperty(TenantFeatureProperties.Features), []);
    }

    private static Dictionary<string, string> Write(TenantInfo tenant, List<(TenantFeatureDefinition Feature, bool Remove)> changes)
    {
        var properties = new Dictionary<string, string>(tenant.Properties, StringComparer.OrdinalIgnoreCase);
        if (changes.Count == 0)
        {
            properties.Remove(TenantFeatureProperties.Features);
        }
        else
        {
            properties[TenantFeatureProperties.Features] = string.Join(",", changes.Select(c => c.Remove ? "-" + c.Feature.Id : c.Feature.Id));
        }

        return properties;
    }

    private async ValueTask<TenantInfo> ChangeAsync(
        string id,
        long? expectedVersion,
        Func<TenantInfo, TenantFeatureSet, Dictionary<string, string>?> change,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        for (var attempt = 0; ; attempt++)
        {
            var tenant = await administration.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new TenantNotFoundException(id);
            if (expectedVersion is { } expected && tenant.Version != expected)
            {
                throw new TenantConcurrencyException(id, expected, tenant.Version);
            }

            var properties = change(tenant, registry.Resolve(tenant));
            if (properties is null)
            {
                return tenant;
            }

            try
            {
                return await administration.UpdateAsync(id, new TenantUpdate { Properties = properties }, tenant.Version, cancellationToken).ConfigureAwait(false);
            }
            catch (TenantConcurrencyException) when (expectedVersion is null && attempt < MaxConflictRetries)
            {
            }
        }
    }
}
