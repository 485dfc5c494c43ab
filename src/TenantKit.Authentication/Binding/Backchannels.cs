using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace TenantKit.Authentication.Binding;

/// <summary>
/// Makes a tenant's metadata manager: a new <see cref="ConfigurationManager{T}"/> for each tenant's options instance, so
/// the metadata and signing keys it fetches and caches from the tenant's authority serve that tenant only.
/// </summary>
internal static class Backchannels
{
    /// <summary>The discovery document's address: <paramref name="metadataAddress"/>, else the authority's well-known one.</summary>
    public static string? MetadataAddress(string? authority, string? metadataAddress)
    {
        if (!string.IsNullOrEmpty(metadataAddress))
        {
            return metadataAddress;
        }

        if (string.IsNullOrEmpty(authority))
        {
            return null;
        }

        return authority.EndsWith('/') ? authority + ".well-known/openid-configuration" : authority + "/.well-known/openid-configuration";
    }

    public static HttpClient Client(HttpMessageHandler? handler, TimeSpan timeout, string userAgent)
    {
        // The application's handler (a proxy, a test double) is shared and never disposed with a tenant's client.
        var client = handler is null ? new HttpClient(new HttpClientHandler()) : new HttpClient(handler, disposeHandler: false);
        client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        client.Timeout = timeout;
        client.MaxResponseContentBufferSize = 10 * 1024 * 1024;
        return client;
    }

    public static ConfigurationManager<OpenIdConnectConfiguration> Manager(
        string metadataAddress, HttpClient backchannel, bool requireHttps, TimeSpan refreshInterval, TimeSpan automaticRefreshInterval)
        => new(metadataAddress, new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever(backchannel) { RequireHttps = requireHttps })
        {
            RefreshInterval = refreshInterval,
            AutomaticRefreshInterval = automaticRefreshInterval,
        };
}
