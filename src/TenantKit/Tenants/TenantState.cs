namespace TenantKit;

/// <summary>Whether a tenant is served.</summary>
public enum TenantState
{
    /// <summary>The tenant is served.</summary>
    Active = 0,

    /// <summary>The host suspended the tenant: it is refused (HTTP 403) and its container leaves memory.</summary>
    Suspended = 1,
}
