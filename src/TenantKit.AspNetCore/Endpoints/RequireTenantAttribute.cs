namespace TenantKit.AspNetCore;

/// <summary>
/// Endpoint metadata: the endpoint serves tenants only; a request that names no tenant is refused with 404
/// (<see cref="TenantProblemTypes.TenantRequired"/>). Apply it with <c>.RequireTenant()</c> or as an attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RequireTenantAttribute : Attribute;
