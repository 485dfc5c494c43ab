using System.Security.Claims;

namespace TenantKit.Identity.Binding;

/// <summary>Decides whether a principal belongs where it is presented.</summary>
internal static class TenantPrincipalCheck
{
    /// <summary>
    /// A principal presented at a tenant must carry exactly one tenant claim, naming that tenant; one presented at the
    /// host (<paramref name="tenantId"/> <see langword="null"/>) must carry none.
    /// </summary>
    public static bool Matches(ClaimsPrincipal? principal, string? tenantId)
    {
        if (principal is null)
        {
            return false;
        }

        string? found = null;
        foreach (var identity in principal.Identities)
        {
            foreach (var claim in identity.FindAll(TenantIdentityClaimTypes.TenantId))
            {
                if (found is not null)
                {
                    return false;
                }

                found = claim.Value;
            }
        }

        return tenantId is null ? found is null : string.Equals(found, tenantId, StringComparison.Ordinal);
    }
}
