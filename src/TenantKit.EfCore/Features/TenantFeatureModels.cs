using Microsoft.EntityFrameworkCore;
using TenantKit.Features;

namespace TenantKit.EfCore.Features;

/// <summary>
/// What features add to EF Core models (<c>AddFeatureModel</c>), by context type: a host singleton. Which of them a
/// context's model gets is decided per context by <see cref="Infrastructure.TenantDbContextState"/>.
/// </summary>
internal sealed class TenantFeatureModels
{
    private readonly List<(Type Context, string Feature, Action<ModelBuilder> Configure)> _all = [];
    private readonly Dictionary<Type, Contribution[]> _byContext = [];
    private readonly Lock _gate = new();

    public void Add(Type context, string feature, Action<ModelBuilder> configure)
    {
        lock (_gate)
        {
            _all.Add((context, feature, configure));
            _byContext.Clear();
        }
    }

    /// <summary>The contributions to <paramref name="context"/>'s model (and its base types'), checked against the declared features.</summary>
    public Contribution[] For(Type context, TenantFeatureRegistry? registry)
    {
        lock (_gate)
        {
            if (_byContext.TryGetValue(context, out var found))
            {
                return found;
            }

            var list = new List<Contribution>();
            foreach (var (type, feature, configure) in _all)
            {
                if (!type.IsAssignableFrom(context))
                {
                    continue;
                }

                var declared = registry?.Find(feature)
                    ?? throw new InvalidOperationException(
                        $"AddFeatureModel<{type.Name}> names the feature '{feature}', which is not declared: declare it with AddFeature(\"{feature}\", ...).");
                list.Add(new Contribution(declared.Id, configure));
            }

            return _byContext[context] = [.. list];
        }
    }

    /// <summary>One feature's addition to a model.</summary>
    public sealed record Contribution(string Feature, Action<ModelBuilder> Configure);
}
