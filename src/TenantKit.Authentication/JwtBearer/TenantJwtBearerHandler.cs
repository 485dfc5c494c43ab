using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Authentication.Binding;
using TenantKit.Authentication.Diagnostics;

namespace TenantKit.Authentication.JwtBearer;

/// <summary>
/// The JWT bearer handler of a tenant-managed scheme. Resolved from the request's services, so inside a tenant it reads
/// the tenant's options; it authenticates only when those options were bound to the request's tenant, and stamps the
/// ticket with that tenant. Anywhere else (the host, a tenant without settings, authentication run before
/// <c>UseTenantKit()</c>) it finds no user, and its challenge is a plain 401.
/// </summary>
internal sealed class TenantJwtBearerHandler(IOptionsMonitor<JwtBearerOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : JwtBearerHandler(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var binding = SchemeBinding.Of(Options);
        if (!binding.IsActive)
        {
            AuthenticationLog.NotConfigured(Logger, Scheme.Name, Context.GetTenant()?.Id);
            return AuthenticateResult.NoResult();
        }

        if (!binding.Serves(Context))
        {
            AuthenticationLog.CrossTenant(Logger, Scheme.Name, binding.Tenant.Id, Context.GetTenant()?.Id);
            return AuthenticateResult.Fail("The scheme's options serve another tenant than the request's.");
        }

        var result = await base.HandleAuthenticateAsync().ConfigureAwait(false);
        if (result.Succeeded)
        {
            result.Ticket.Properties.Items[SchemeBinding.TenantProperty] = binding.Tenant.Id;
        }

        return result;
    }
}
