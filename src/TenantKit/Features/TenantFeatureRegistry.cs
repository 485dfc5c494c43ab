using System.Runtime.CompilerServices;

namespace TenantKit.Features;

/// <summary>
/// The features and plans the application declared (<c>AddFeature</c>, <c>AddPlan</c>), and the rule that gives each
/// tenant its features: always-on features, then the defaults, the tenant's plan (<see cref="TenantFeatureProperties.Plan"/>)
/// and its own additions (<see cref="TenantFeatureProperties.Features"/>), less its removals, then every dependency of
/// what is left. A host singleton, also reachable from tenant containers.
/// </summary>
/// <remarks>
/// A tenant's feature properties are read strictly: an unknown feature or plan, an empty entry, a feature both added
/// and removed, the removal of an always-on feature or of a dependency of an enabled feature are all refused with a
/// <see cref="TenantValidationException"/> (by the administration when they are written, and when the tenant is built
/// if they reached the store another way), rather than ignored: a typo must not silently give or take a capability.
/// </remarks>
public sealed class TenantFeatureRegistry
{
    private readonly List<TenantFeatureDefinition> _declared = [];
    private readonly Dictionary<string, TenantFeatureDefinition> _byId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IReadOnlyList<string>> _plans = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConditionalWeakTable<TenantInfo, object> _resolved = new();
    private readonly Lock _gate = new();
    private TenantFeatureDefinition[]? _order;
    private string? _error;

    internal TenantFeatureRegistry()
    {
    }

    /// <summary>The declared features, in declaration order.</summary>
    public IReadOnlyList<TenantFeatureDefinition> Features => _declared;

    /// <summary>The declared plans: each name with the feature ids it gives.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Plans => _plans;

    /// <summary>Whether any feature or plan is declared (else the feature properties are not TenantKit's business).</summary>
    internal bool IsInUse => _declared.Count > 0 || _plans.Count > 0;

    /// <summary>
    /// Checks a tenant's feature properties as the administration writes them; a refusal lists every problem.
    /// </summary>
    /// <exception cref="TenantValidationException">The properties name unknown features or plans, or are inconsistent.</exception>
    internal void Check(IReadOnlyDictionary<string, string> properties)
    {
        if (!IsInUse)
        {
            return;
        }

        var errors = new List<string>();
        Compute(properties, errors);
        if (errors.Count > 0)
        {
            throw new TenantValidationException(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["features"] = [.. errors] });
        }
    }

    /// <summary>The feature declared with <paramref name="id"/> (any letter case), or <see langword="null"/>.</summary>
    /// <param name="id">The feature id.</param>
    /// <returns>The definition, or <see langword="null"/>.</returns>
    public TenantFeatureDefinition? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _byId.GetValueOrDefault(id);
    }

    /// <summary>
    /// The features <paramref name="tenant"/> has, from its properties (computed once per tenant snapshot). Inside a
    /// tenant, prefer <see cref="ITenantFeatures"/> from its services: the set its container was built with.
    /// </summary>
    /// <param name="tenant">The tenant.</param>
    /// <returns>The tenant's features.</returns>
    /// <exception cref="TenantValidationException">The tenant's feature properties are invalid.</exception>
    /// <exception cref="InvalidOperationException">The declared features are inconsistent (see the start-up check).</exception>
    public ITenantFeatures GetFeatures(TenantInfo tenant) => Resolve(tenant);

    internal TenantFeatureSet Resolve(TenantInfo tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var result = _resolved.GetValue(tenant, t =>
        {
            var errors = new List<string>();
            var set = Compute(t.Properties, errors);
            return errors.Count == 0
                ? set!
                : new TenantValidationException(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["features"] = [.. errors] });
        });
        return result as TenantFeatureSet ?? throw (TenantValidationException)result;
    }

    /// <summary>Checks what was declared: every dependency and plan names a declared feature, and no dependency cycle.</summary>
    /// <returns><see langword="null"/> when consistent, else one message listing every problem.</returns>
    internal string? Validate()
    {
        EnsureFrozen();
        return _error;
    }

    internal void Add(TenantFeatureDefinition definition)
    {
        lock (_gate)
        {
            if (_order is not null)
            {
                throw new InvalidOperationException("Features cannot be declared once tenants are being built.");
            }

            if (!_byId.TryAdd(definition.Id, definition))
            {
                throw new ArgumentException($"The feature '{definition.Id}' is declared twice.", nameof(definition));
            }

            _declared.Add(definition);
        }
    }

    internal void AddPlan(string name, string[] features)
    {
        lock (_gate)
        {
            if (_order is not null)
            {
                throw new InvalidOperationException("Plans cannot be declared once tenants are being built.");
            }

            if (!_plans.TryAdd(name, features))
            {
                throw new ArgumentException($"The plan '{name}' is declared twice.", nameof(name));
            }
        }
    }

    /// <summary>
    /// Reads feature ids and plan names: 1 to 64 characters of lower-case letters, digits, <c>-</c>, <c>_</c> and
    /// <c>.</c>, starting with a letter (upper case is folded).
    /// </summary>
    internal static string CheckId(string? id, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id, parameterName);
        if (!IsValidId(id))
        {
            throw new ArgumentException(
                $"'{id}' is not a valid feature or plan name: use 1 to 64 letters, digits, '-', '_' or '.', starting with a letter.", parameterName);
        }

        return id.ToLowerInvariant();
    }

    internal static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > 64 || !char.IsAsciiLetter(id[0]))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A tenant's changes (<see cref="TenantFeatureProperties.Features"/>) in their order: each feature id with
    /// <see langword="true"/> for a removal. Problems go to <paramref name="errors"/>.
    /// </summary>
    internal List<(TenantFeatureDefinition Feature, bool Remove)> ParseChanges(string? value, List<string> errors)
    {
        var changes = new List<(TenantFeatureDefinition, bool)>();
        if (string.IsNullOrWhiteSpace(value))
        {
            return changes;
        }

        foreach (var part in value.Split(','))
        {
            var entry = part.Trim();
            var remove = entry.StartsWith('-');
            var id = remove ? entry[1..] : entry;
            if (id.Length == 0)
            {
                errors.Add($"{TenantFeatureProperties.Features} has an empty entry ('{value}'): separate feature ids with single commas.");
                continue;
            }

            if (!_byId.TryGetValue(id, out var feature))
            {
                errors.Add(IsValidId(id)
                    ? $"'{id}' is not a declared feature (declared: {Describe(_declared.Select(d => d.Id))})."
                    : $"'{TenantIdentifier.ToDisplay(id)}' is not a valid feature id.");
                continue;
            }

            foreach (var (other, otherRemove) in changes)
            {
                if (ReferenceEquals(other, feature))
                {
                    errors.Add(otherRemove == remove
                        ? $"'{feature.Id}' appears twice in {TenantFeatureProperties.Features}."
                        : $"'{feature.Id}' is both added and removed in {TenantFeatureProperties.Features}.");
                }
            }

            changes.Add((feature, remove));
        }

        return changes;
    }

    /// <summary>The effective set from a tenant's properties, or <see langword="null"/> with the problems in <paramref name="errors"/>.</summary>
    internal TenantFeatureSet? Compute(IReadOnlyDictionary<string, string> properties, List<string> errors)
    {
        var order = EnsureValid();
        properties.TryGetValue(TenantFeatureProperties.Plan, out var planValue);
        properties.TryGetValue(TenantFeatureProperties.Features, out var featuresValue);
        string? plan = null;
        IReadOnlyList<string> planFeatures = [];
        if (!string.IsNullOrWhiteSpace(planValue))
        {
            plan = planValue.Trim();
            if (_plans.TryGetValue(plan, out var listed))
            {
                plan = plan.ToLowerInvariant();
                planFeatures = listed;
            }
            else
            {
                errors.Add($"'{TenantIdentifier.ToDisplay(plan)}' is not a declared plan (declared: {Describe(_plans.Keys)}).");
            }
        }

        var changes = ParseChanges(featuresValue, errors);
        if (errors.Count > 0)
        {
            return null;
        }

        var enabled = new HashSet<TenantFeatureDefinition>();
        var removed = new HashSet<TenantFeatureDefinition>();
        foreach (var feature in _declared)
        {
            if (feature.IsAlwaysOn || feature.IsEnabledByDefault)
            {
                enabled.Add(feature);
            }
        }

        foreach (var id in planFeatures)
        {
            enabled.Add(_byId[id]);
        }

        foreach (var (feature, remove) in changes)
        {
            if (!remove)
            {
                enabled.Add(feature);
            }
            else if (feature.IsAlwaysOn)
            {
                errors.Add($"'{feature.Id}' is always on and cannot be removed.");
            }
            else
            {
                enabled.Remove(feature);
                removed.Add(feature);
            }
        }

        // Closed over dependencies: a feature brings what it needs, unless the tenant removed that explicitly.
        var pending = new Stack<TenantFeatureDefinition>(enabled);
        while (pending.TryPop(out var feature))
        {
            foreach (var dependency in feature.DependencyList)
            {
                var needed = _byId[dependency];
                if (removed.Contains(needed))
                {
                    errors.Add($"'{feature.Id}' needs '{needed.Id}', which the tenant's features remove.");
                }
                else if (enabled.Add(needed))
                {
                    pending.Push(needed);
                }
            }
        }

        if (errors.Count > 0)
        {
            return null;
        }

        if (enabled.Count == 0)
        {
            return plan is null ? TenantFeatureSet.Empty : new TenantFeatureSet(plan, []);
        }

        var ordered = new List<TenantFeatureDefinition>(enabled.Count);
        foreach (var feature in order)
        {
            if (enabled.Contains(feature))
            {
                ordered.Add(feature);
            }
        }

        return new TenantFeatureSet(plan, [.. ordered]);
    }

    private TenantFeatureDefinition[] EnsureValid()
        => EnsureFrozen() ?? throw new InvalidOperationException(_error);

    /// <summary>Freezes the declarations (on first use) and orders features so that dependencies come first.</summary>
    private TenantFeatureDefinition[]? EnsureFrozen()
    {
        if (Volatile.Read(ref _order) is { } order)
        {
            return _error is null ? order : null;
        }

        lock (_gate)
        {
            if (_order is null)
            {
                var problems = new List<string>();
                var sorted = Sort(problems);
                foreach (var (plan, features) in _plans)
                {
                    foreach (var feature in features)
                    {
                        if (!_byId.ContainsKey(feature))
                        {
                            problems.Add($"The plan '{plan}' names the feature '{feature}', which is not declared.");
                        }
                    }
                }

                _error = problems.Count == 0 ? null : "TenantKit's features are inconsistent: " + string.Join(" ", problems);
                Volatile.Write(ref _order, sorted);
            }

            return _error is null ? _order : null;
        }
    }

    /// <summary>Orders the features dependencies first (declaration order otherwise); reports missing dependencies and cycles.</summary>
    private TenantFeatureDefinition[] Sort(List<string> problems)
    {
        var sorted = new List<TenantFeatureDefinition>(_declared.Count);
        var state = new Dictionary<TenantFeatureDefinition, int>();   // 1 visiting, 2 done
        var path = new List<TenantFeatureDefinition>();
        var cycles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var feature in _declared)
        {
            foreach (var dependency in feature.DependencyList)
            {
                if (!_byId.ContainsKey(dependency))
                {
                    problems.Add($"The feature '{feature.Id}' depends on '{dependency}', which is not declared.");
                }
            }
        }

        foreach (var feature in _declared)
        {
            Visit(feature);
        }

        return [.. sorted];

        void Visit(TenantFeatureDefinition feature)
        {
            if (state.TryGetValue(feature, out var seen))
            {
                if (seen == 1)
                {
                    var start = path.IndexOf(feature);
                    var cycle = string.Join(" -> ", path.Skip(start).Select(f => f.Id).Append(feature.Id));
                    if (cycles.Add(string.Join(",", path.Skip(start).Select(f => f.Id).Order(StringComparer.Ordinal))))
                    {
                        problems.Add($"The features depend on each other in a cycle: {cycle}.");
                    }
                }

                return;
            }

            state[feature] = 1;
            path.Add(feature);
            foreach (var dependency in feature.DependencyList)
            {
                if (_byId.TryGetValue(dependency, out var needed))
                {
                    Visit(needed);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[feature] = 2;
            sorted.Add(feature);
        }
    }

    private static string Describe(IEnumerable<string> names)
    {
        var list = string.Join(", ", names.Order(StringComparer.Ordinal));
        return list.Length == 0 ? "none" : list;
    }
}
