using Microsoft.AspNetCore.DataProtection;

namespace TenantKit.AspNetCore.Authentication;

/// <summary>
/// Holds the host's data-protection provider (a host singleton, so tenant containers receive this very instance) and
/// derives each tenant's provider from it with a purpose naming the tenant id. Tenants share the key ring but can never
/// read each other's payloads: a cookie, antiforgery token or temp-data value protected for tenant A does not unprotect
/// for tenant B.
/// </summary>
internal sealed class TenantDataProtection(IServiceProvider host)
{
    /// <summary>The purpose every tenant's provider is chained under; the tenant id is the second purpose.</summary>
    public const string Purpose = "TenantKit.Tenant.v1";

    public IDataProtectionProvider For(TenantInfo tenant)
    {
        var provider = host.GetService(typeof(IDataProtectionProvider)) as IDataProtectionProvider
            ?? throw new InvalidOperationException(
                "Tenant data protection needs the host's data protection: call services.AddDataProtection() (authentication and MVC add it).");
        return provider.CreateProtector(Purpose, tenant.Id);
    }
}
