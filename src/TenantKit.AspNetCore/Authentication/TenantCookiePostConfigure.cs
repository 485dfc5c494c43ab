using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace TenantKit.AspNetCore.Authentication;

/// <summary>
/// Registered in each tenant's container, after the application's own cookie configuration: gives every cookie scheme
/// the tenant's data protection, a ticket format bound to the tenant and, by option, a cookie name of its own.
/// </summary>
internal sealed class TenantCookiePostConfigure(TenantInfo tenant, IDataProtectionProvider protection, bool perTenantCookieNames)
    : IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options)
    {
        var scheme = name ?? Options.DefaultName;
        options.DataProtectionProvider = protection;
        var protector = protection.CreateProtector("Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware", scheme, "v2");
        options.TicketDataFormat = new TenantTicketDataFormat(new TicketDataFormat(protector), tenant.Id);
        if (perTenantCookieNames)
        {
            var baseName = string.IsNullOrEmpty(options.Cookie.Name) ? CookieAuthenticationDefaults.CookiePrefix + scheme : options.Cookie.Name;
            var suffix = "." + tenant.Id;
            if (!baseName.EndsWith(suffix, StringComparison.Ordinal))
            {
                options.Cookie.Name = baseName + suffix;
            }
        }
    }
}
