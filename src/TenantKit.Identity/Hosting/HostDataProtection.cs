using Microsoft.AspNetCore.DataProtection;

namespace TenantKit.Identity.Hosting;

/// <summary>The application's own data protection (a host singleton), so a tenant can be checked not to share it.</summary>
internal sealed class HostDataProtection(IDataProtectionProvider provider)
{
    public IDataProtectionProvider Provider { get; } = provider;
}
