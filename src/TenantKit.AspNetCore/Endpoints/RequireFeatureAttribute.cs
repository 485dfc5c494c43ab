namespace TenantKit.AspNetCore;

/// <summary>
/// Endpoint metadata: the endpoint belongs to a feature. A tenant that lacks the feature (in the generation serving the
/// request) gets 404, the same problem document as for a path that does not exist, so it cannot learn what other
/// tenants have; a request that names no tenant is refused as for <see cref="RequireTenantAttribute"/>. Several marks
/// (on a group and on an endpoint, or on a controller and an action) all apply. Apply it with
/// <c>.RequireFeature("reports")</c> or as an attribute on a controller, an action or a Razor page model.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = true)]
public sealed class RequireFeatureAttribute : Attribute
{
    /// <summary>Marks the endpoint as part of <paramref name="feature"/>.</summary>
    /// <param name="feature">The feature id.</param>
    public RequireFeatureAttribute(string feature)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        Feature = feature;
    }

    /// <summary>The feature id.</summary>
    public string Feature { get; }
}
