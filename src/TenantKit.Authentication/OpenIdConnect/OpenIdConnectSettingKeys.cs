namespace TenantKit.Authentication.OpenIdConnect;

/// <summary>The keys of a tenant's OpenID Connect settings, under the property prefix or the configuration section.</summary>
internal static class OpenIdConnectSettingKeys
{
    public const string Authority = "Authority";
    public const string MetadataAddress = "MetadataAddress";
    public const string RequireHttpsMetadata = "RequireHttpsMetadata";
    public const string ClientId = "ClientId";
    public const string ClientSecret = "ClientSecret";
    public const string CallbackPath = "CallbackPath";
    public const string SignedOutCallbackPath = "SignedOutCallbackPath";
    public const string ResponseType = "ResponseType";
    public const string Scopes = "Scopes";
}
