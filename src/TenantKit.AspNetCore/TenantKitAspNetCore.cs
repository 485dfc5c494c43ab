namespace TenantKit.AspNetCore;

/// <summary>Facts about the TenantKit.AspNetCore package.</summary>
public static class TenantKitAspNetCore
{
    /// <summary>The package name.</summary>
    public const string PackageName = "TenantKit.AspNetCore";
}
