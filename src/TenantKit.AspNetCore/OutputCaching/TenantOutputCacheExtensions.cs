using TenantKit.AspNetCore.OutputCaching;

namespace Microsoft.AspNetCore.OutputCaching;

/// <summary>Makes output-cache policies vary by tenant.</summary>
public static class TenantOutputCacheExtensions
{
    /// <summary>
    /// Adds the tenant id to the cache key of the responses this policy caches. TenantKit already adds it to the output
    /// cache's base policies of every application that registers its HTTP services; use this on a policy of an
    /// application that replaced the base policies, or to state it where the policy is declared.
    /// </summary>
    /// <param name="builder">The policy builder.</param>
    /// <returns>The builder.</returns>
    public static OutputCachePolicyBuilder VaryByTenant(this OutputCachePolicyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddPolicy(typeof(TenantOutputCachePolicy));
    }
}
