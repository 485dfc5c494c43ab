namespace TenantKit.Identity;

/// <summary>The claims TenantKit.Identity adds to the principals Identity signs in.</summary>
public static class TenantIdentityClaimTypes
{
    /// <summary>
    /// The id of the tenant a principal was signed in at. Every principal Identity's claims-principal factory makes inside
    /// a tenant carries exactly one; the Identity cookie and bearer token schemes refuse a principal whose claim is missing
    /// or names another tenant, and, at the host, any principal that carries one.
    /// </summary>
    public const string TenantId = "tenantkit:tenant_id";
}
