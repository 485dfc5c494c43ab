namespace TenantKit.Features;

/// <summary>
/// The reserved tenant properties that say which features a tenant has. They live in the tenant's catalog entry like
/// any property, so every store keeps them and every node learns of a change through the change feed.
/// </summary>
public static class TenantFeatureProperties
{
    /// <summary>
    /// The tenant's plan: the name of a set declared with <c>AddPlan</c> (<c>free</c>, <c>pro</c>). Absent or empty: no plan.
    /// </summary>
    public const string Plan = "TenantKit:Plan";

    /// <summary>
    /// The tenant's own changes to its plan, comma-separated: a feature id adds the feature, <c>-</c> before one removes
    /// a feature its plan or the defaults would give it (<c>reports,-exports</c>).
    /// </summary>
    public const string Features = "TenantKit:Features";
}
