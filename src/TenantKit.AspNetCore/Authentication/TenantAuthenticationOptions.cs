namespace TenantKit.AspNetCore;

/// <summary>Configures authentication isolation (<c>IsolateAuthentication</c>).</summary>
public sealed class TenantAuthenticationOptions
{
    /// <summary>
    /// Appends the tenant id to every cookie authentication scheme's cookie name (<c>.AspNetCore.Cookies.{tenantId}</c>), so
    /// tenants that share a domain (path-base or header strategies) never overwrite each other's sign-in.
    /// <value>The default is <see langword="true"/>.</value>
    /// </summary>
    public bool PerTenantCookieNames { get; set; } = true;
}
