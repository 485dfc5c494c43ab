using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace TenantKit.Samples.Saas.Hosting;

/// <summary>
/// Signs in the operator of a script or a <c>curl</c> command: a request to the host administration endpoints
/// (<c>/admin/tenants</c>) carrying <c>X-Admin-Key</c> with the value of <c>Sample:Host:AdminKey</c>. No header: no
/// result (the host console's cookie may still sign the request in); a wrong key, or any key while the setting is empty:
/// failed, so the endpoints answer 401.
/// </summary>
public sealed class AdminKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "AdminKey";

    /// <summary>The request header carrying the key.</summary>
    public const string Header = "X-Admin-Key";

    /// <summary>The configuration key of the expected value; empty (the default) turns the header off.</summary>
    public const string SettingKey = "Sample:Host:AdminKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var expected = configuration[SettingKey];
        if (string.IsNullOrEmpty(expected) || values.Count != 1
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(values.ToString()), Encoding.UTF8.GetBytes(expected)))
        {
            return Task.FromResult(AuthenticateResult.Fail($"The {Header} header does not match {SettingKey}."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
