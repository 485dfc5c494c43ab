using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace TenantKit.Authentication;

/// <summary>
/// Declares a JWT bearer scheme whose options come from each tenant (<c>WithTenantJwtBearer</c>). The scheme itself is
/// the application's (<c>AddAuthentication().AddJwtBearer()</c>); TenantKit builds its authority, audience and keys per
/// tenant and binds every token it accepts to that tenant.
/// </summary>
public sealed class TenantJwtBearerOptions
{
    /// <summary>
    /// The scheme, added by the application with <c>AddJwtBearer(scheme)</c>.
    /// <value>The default is <c>Bearer</c>.</value>
    /// </summary>
    public string Scheme { get; set; } = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>
    /// The prefix of the tenant properties holding the settings, without the trailing colon
    /// (<c>Authentication:Jwt:Authority</c>, <c>Authentication:Jwt:Audience</c>...).
    /// <value>The default is <c>Authentication:Jwt</c>.</value>
    /// </summary>
    public string PropertyPrefix { get; set; } = "Authentication:Jwt";

    /// <summary>
    /// A configuration section per tenant holding the same keys, where <c>{tenant}</c> stands for the tenant identifier
    /// (<c>Tenants:{tenant}:Authentication:Jwt</c>), or <see langword="null"/> to read the properties only. A property
    /// wins over the section, key by key.
    /// <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public string? ConfigurationSection { get; set; }

    /// <summary>
    /// Changes a tenant's options in code after its settings are applied (keys from a secret store, events), or
    /// <see langword="null"/>. It runs only for the tenant's own options: what it sets is that tenant's.
    /// <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public Action<TenantInfo, JwtBearerOptions>? Configure { get; set; }
}
