using System.Globalization;
using Microsoft.Extensions.Options;
using TenantKit.AspNetCore;
using TenantKit.Features;

namespace TenantKit.Samples.Saas.Hosting;

/// <summary>
/// The rate-limit plans, read once from configuration: fed to the adapter's tenant rate limiter, and shown on the pages.
/// A tenant names its plan with its <c>TenantKit:Plan</c> property; a tenant without one (or with an unknown one) is on
/// <see cref="DefaultPlan"/>.
/// </summary>
public sealed class SamplePlans
{
    /// <summary>
    /// The tenant property naming the plan: TenantKit's own (<see cref="TenantFeatureProperties.Plan"/>), so one
    /// property decides both the plan's features and its request budget.
    /// </summary>
    public const string PlanProperty = TenantFeatureProperties.Plan;

    /// <summary>The plan of tenants that name none.</summary>
    public const string DefaultPlan = "free";

    public SamplePlans(IOptions<SampleOptions> options)
    {
        var limits = new Dictionary<string, TenantRateLimit>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, plan) in options.Value.Plans)
        {
            limits[name] = new TenantRateLimit(plan.PermitLimit, plan.Window);
        }

        limits.TryAdd(DefaultPlan, new TenantRateLimit(60, TimeSpan.FromMinutes(1)));
        Limits = limits;
    }

    /// <summary>Every plan's limit, by name.</summary>
    public IReadOnlyDictionary<string, TenantRateLimit> Limits { get; }

    /// <summary>The plan the tenant is on.</summary>
    public string PlanOf(TenantInfo tenant)
        => tenant.GetProperty(PlanProperty) is { } plan && Limits.ContainsKey(plan) ? plan.ToLowerInvariant() : DefaultPlan;

    /// <summary>The plan's limit in words: <c>30 requests per minute</c>.</summary>
    public string Describe(string plan)
    {
        var limit = Limits[plan];
        var window = limit.Window == TimeSpan.FromHours(1) ? "hour"
            : limit.Window == TimeSpan.FromMinutes(1) ? "minute"
            : limit.Window == TimeSpan.FromSeconds(1) ? "second"
            : Durations.Format(limit.Window);
        return string.Create(CultureInfo.InvariantCulture, $"{limit.PermitLimit} requests per {window}");
    }

    /// <summary>Configures the adapter's tenant limiter with these plans.</summary>
    public void Apply(TenantRateLimitOptions options)
    {
        options.PlanProperty = PlanProperty;
        foreach (var (name, limit) in Limits)
        {
            options.Plans[name] = limit;
        }

        options.DefaultLimit = Limits[DefaultPlan];
    }
}
