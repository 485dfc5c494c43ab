using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace TenantKit.Authentication.Binding;

/// <summary>
/// Registered in the application's container (and so first in every tenant's): leaves a tenant-managed scheme's options
/// serving nothing, with nothing of the application's configuration to trust. In a tenant the tenant's setup runs after
/// it and decides again; in the application's container (the host, and requests authenticated before
/// <c>UseTenantKit()</c>) this is the last word, so the scheme never authenticates outside a tenant.
/// </summary>
internal sealed class HostSchemeGuard<TOptions>(string scheme, Action<TOptions> neutralize) : IPostConfigureOptions<TOptions>
    where TOptions : AuthenticationSchemeOptions
{
    public void PostConfigure(string? name, TOptions options)
    {
        if (string.Equals(name ?? Options.DefaultName, scheme, StringComparison.Ordinal))
        {
            neutralize(options);
            SchemeBinding.Deactivate(options, []);
        }
    }
}
