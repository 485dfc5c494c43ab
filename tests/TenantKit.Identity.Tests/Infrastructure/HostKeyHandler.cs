using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TenantKit.Identity.Tests.Infrastructure;

/// <summary>The host's credentials in the tests: <c>X-Host-Key: <see cref="Key"/></c>, authenticated as the host operator.</summary>
public sealed class HostKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "HostKey";
    public const string Policy = "host";
    public const string Header = "X-Host-Key";
    public const string Key = "host-secret";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(key.ToString() == Key
            ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], SchemeName)), SchemeName))
            : AuthenticateResult.Fail("Wrong host key."));
    }
}
