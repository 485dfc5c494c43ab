using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// The resolution plans kept for reuse, one per shape of registrations (<see cref="PlanKey"/>): tenants whose
/// registrations have the same shape share one <see cref="ContainerPlan"/>. Bounded by <see cref="MaxPlans"/>.
/// </summary>
internal sealed class PlanCache(bool validateScopes)
{
    /// <summary>Resolution plans kept for reuse, at most (one per shape of tenant registrations).</summary>
    public const int MaxPlans = 64;

    private readonly ConcurrentDictionary<PlanKey, ContainerPlan> _plans = new();

    /// <summary>The number of plans kept.</summary>
    public int Count => _plans.Count;

    /// <summary>
    /// The plan for the first <paramref name="ownStart"/> registrations of <paramref name="template"/> followed by the
    /// container's own (<paramref name="own"/>): a kept plan of the same shape, else a new one, validated when scopes are.
    /// </summary>
    public ContainerPlan Get(ServiceDescriptor[] template, int ownStart, ServiceDescriptor[] own)
    {
        var key = new PlanKey(ownStart, own);
        if (_plans.TryGetValue(key, out var plan))
        {
            return plan;
        }

        // The plan keeps the shape of the own registrations, not their values: no tenant's instances or factories
        // stay reachable from a plan other tenants use.
        var shape = new ServiceDescriptor[ownStart + own.Length];
        Array.Copy(template, shape, ownStart);
        for (var i = 0; i < own.Length; i++)
        {
            shape[ownStart + i] = PlanKey.Shape(own[i]);
        }

        plan = new ContainerPlan(shape, ownStart, validateScopes);
        if (validateScopes)
        {
            plan.Validate();
        }

        // Bounded: tenants whose configurations register differently get plans of their own, but an application
        // whose every tenant differs must not grow this without end. When full, plans no container uses any more are
        // dropped; when all are in use, a new shape's plan is not kept.
        if (_plans.Count >= MaxPlans)
        {
            foreach (var (unused, kept) in _plans)
            {
                if (kept.LiveContainers == 0)
                {
                    _plans.TryRemove(new KeyValuePair<PlanKey, ContainerPlan>(unused, kept));
                }
            }
        }

        if (_plans.Count < MaxPlans)
        {
            plan = _plans.GetOrAdd(key, plan);
        }

        return plan;
    }
}
