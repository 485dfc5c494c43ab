using Microsoft.AspNetCore.Antiforgery;

namespace TenantKit.AspNetCore.Authentication;

/// <summary>
/// Binds antiforgery tokens to the tenant they were issued for. The antiforgery services stay host singletons (the
/// antiforgery middleware and MVC filters hold the host's instance), so isolation is done in the token itself: the
/// tenant id is its additional data, and a token issued for tenant A fails validation at tenant B.
/// </summary>
internal sealed class TenantAntiforgeryDataProvider : IAntiforgeryAdditionalDataProvider
{
    private const string HostMarker = "(host)";

    public string GetAdditionalData(HttpContext context) => context.GetTenant()?.Id ?? HostMarker;

    public bool ValidateAdditionalData(HttpContext context, string additionalData)
        => string.Equals(additionalData, context.GetTenant()?.Id ?? HostMarker, StringComparison.Ordinal);
}
