using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace TenantKit.Identity.Binding;

/// <summary>
/// Gives every bearer token scheme (Identity's <c>Identity.Bearer</c>) protectors from the data protection of the
/// container it runs in (the tenant's, derived from the host's with the tenant id in the purpose chain) and refuses a
/// token whose principal names another tenant. Registered once in the application (for the host, which then refuses any
/// principal with a tenant claim) and once in each tenant container, where it runs last.
/// </summary>
/// <remarks>The application's registration passes <paramref name="accessor"/>: its protectors then defer to the current
/// tenant's (see <see cref="AmbientTenantTicketFormat"/>).</remarks>
internal sealed class TenantBearerTokenPostConfigure(TenantInfo? tenant, IDataProtectionProvider protection, ITenantContextAccessor? accessor = null)
    : IPostConfigureOptions<BearerTokenOptions>
{
    private const string Purpose = "Microsoft.AspNetCore.Authentication.BearerToken";

    public void PostConfigure(string? name, BearerTokenOptions options)
    {
        if (name is null)
        {
            return;
        }

        ISecureDataFormat<AuthenticationTicket> bearer = new TenantClaimTicketFormat(
            new TicketDataFormat(protection.CreateProtector(Purpose, name, "BearerToken")), tenant?.Id);
        ISecureDataFormat<AuthenticationTicket> refresh = new TenantClaimTicketFormat(
            new TicketDataFormat(protection.CreateProtector(Purpose, name, "RefreshToken")), tenant?.Id);
        if (tenant is null && accessor is not null)
        {
            bearer = new AmbientTenantTicketFormat(bearer, accessor, name, refresh: false);
            refresh = new AmbientTenantTicketFormat(refresh, accessor, name, refresh: true);
        }

        options.BearerTokenProtector = bearer;
        options.RefreshTokenProtector = refresh;
    }
}
