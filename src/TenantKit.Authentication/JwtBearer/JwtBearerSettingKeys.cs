namespace TenantKit.Authentication.JwtBearer;

/// <summary>The keys of a tenant's JWT bearer settings, under the property prefix or the configuration section.</summary>
internal static class JwtBearerSettingKeys
{
    public const string Authority = "Authority";
    public const string MetadataAddress = "MetadataAddress";
    public const string RequireHttpsMetadata = "RequireHttpsMetadata";
    public const string Audience = "Audience";
    public const string Issuer = "Issuer";
    public const string SigningKeys = "SigningKeys";
}
