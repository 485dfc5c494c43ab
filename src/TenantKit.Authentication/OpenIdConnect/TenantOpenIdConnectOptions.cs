using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace TenantKit.Authentication;

/// <summary>
/// Declares an OpenID Connect scheme whose options come from each tenant (<c>WithTenantOpenIdConnect</c>). The scheme
/// itself is the application's (<c>AddAuthentication().AddOpenIdConnect()</c>); TenantKit builds its authority, client
/// and callback per tenant, and keeps its state, nonce and correlation cookies to that tenant.
/// </summary>
public sealed class TenantOpenIdConnectOptions
{
    /// <summary>
    /// The scheme, added by the application with <c>AddOpenIdConnect(scheme, ...)</c>.
    /// <value>The default is <c>OpenIdConnect</c>.</value>
    /// </summary>
    public string Scheme { get; set; } = OpenIdConnectDefaults.AuthenticationScheme;

    /// <summary>
    /// The prefix of the tenant properties holding the settings, without the trailing colon
    /// (<c>Authentication:Oidc:Authority</c>, <c>Authentication:Oidc:ClientId</c>...).
    /// <value>The default is <c>Authentication:Oidc</c>.</value>
    /// </summary>
    public string PropertyPrefix { get; set; } = "Authentication:Oidc";

    /// <summary>
    /// A configuration section per tenant holding the same keys, where <c>{tenant}</c> stands for the tenant identifier
    /// (<c>Tenants:{tenant}:Authentication:Oidc</c>), or <see langword="null"/> to read the properties only. A property
    /// wins over the section, key by key. Keep client secrets here (or in a secret store read by
    /// <see cref="Configure"/>) rather than in tenant properties, which the administration endpoints return.
    /// <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public string? ConfigurationSection { get; set; }

    /// <summary>
    /// Changes a tenant's options in code after its settings are applied, or <see langword="null"/>. It runs only for
    /// the tenant's own options: what it sets is that tenant's.
    /// <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public Action<TenantInfo, OpenIdConnectOptions>? Configure { get; set; }
}
