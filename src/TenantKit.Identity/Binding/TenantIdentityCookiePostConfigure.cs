using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace TenantKit.Identity.Binding;

/// <summary>
/// Checks the tenant claim of the principal in Identity's application cookie at every request, before Identity's own
/// security-stamp validation: a principal whose claim is missing or names another tenant than the request's (or, at
/// the host, that carries one) is rejected. The tenant is read from the request (<c>HttpContext.GetTenant()</c>), so
/// one registration serves the host and every tenant.
/// </summary>
internal sealed class TenantIdentityCookiePostConfigure : IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options)
    {
        if (!string.Equals(name, IdentityConstants.ApplicationScheme, StringComparison.Ordinal))
        {
            return;
        }

        if (options.EventsType is not null)
        {
            throw new InvalidOperationException(
                $"The cookie scheme '{name}' uses EventsType; TenantKit.Identity checks the tenant claim in CookieAuthenticationOptions.Events.OnValidatePrincipal. Set Events instead of EventsType.");
        }

        var inner = options.Events.OnValidatePrincipal;
        options.Events.OnValidatePrincipal = async context =>
        {
            if (!TenantPrincipalCheck.Matches(context.Principal, context.HttpContext.GetTenant()?.Id))
            {
                context.RejectPrincipal();
                return;
            }

            await inner(context).ConfigureAwait(false);
        };
    }
}
