namespace TenantKit.AspNetCore;

/// <summary>
/// Endpoint metadata: the endpoint is reserved to the host (super tenant); a request that names a tenant is refused
/// with 403 (<see cref="TenantProblemTypes.HostRequired"/>), and tenant resolution is never skipped for it. It does not
/// authorize anyone: combine it with an authorization policy. Apply it with <c>.RequireHost()</c> or as an attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RequireHostAttribute : Attribute;
