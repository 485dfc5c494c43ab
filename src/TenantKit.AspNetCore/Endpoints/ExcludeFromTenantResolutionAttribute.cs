namespace TenantKit.AspNetCore;

/// <summary>
/// Endpoint metadata: the tenant middleware does not resolve a tenant for this endpoint (health checks, static files,
/// a landing page): no catalog lookup, no lease, the application's own services. Ignored on an endpoint that also
/// requires the host, which is always resolved so a tenant can never reach it. Apply it with
/// <c>.ExcludeFromTenantResolution()</c> or as an attribute on a controller or action.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ExcludeFromTenantResolutionAttribute : Attribute;
