namespace TenantKit.AspNetCore;

/// <summary>
/// Where each tenant's rate limit comes from. For a tenant, the first that applies wins: the tenant's own properties
/// <c>RateLimit:PermitLimit</c>, <c>RateLimit:Window</c> (a <see cref="TimeSpan"/>, <c>00:01:00</c>) and
/// <c>RateLimit:QueueLimit</c>; then the plan its <see cref="PlanProperty"/> names in <see cref="Plans"/>; then
/// <see cref="DefaultLimit"/>. A changed tenant (a new plan) gets a new budget.
/// </summary>
public sealed class TenantRateLimitOptions
{
    /// <summary>The tenant property naming its plan. <value>The default is <c>Plan</c>.</value></summary>
    public string PlanProperty { get; set; } = "Plan";

    /// <summary>The limit of each plan, by plan name (case-insensitive).</summary>
    public IDictionary<string, TenantRateLimit> Plans { get; } = new Dictionary<string, TenantRateLimit>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The limit of a tenant with no plan, an unknown plan, or invalid limit properties; <see langword="null"/> for no limit.
    /// <value>The default is 1,000 requests a minute.</value>
    /// </summary>
    public TenantRateLimit? DefaultLimit { get; set; } = new(1000, TimeSpan.FromMinutes(1));

    /// <summary>
    /// The limit shared by every request that is not a tenant's (the host, excluded endpoints); <see langword="null"/> for no limit.
    /// <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public TenantRateLimit? HostLimit { get; set; }
}
