namespace TenantKit.EfCore;

/// <summary>Facts about the TenantKit.EfCore package.</summary>
public static class TenantKitEfCore
{
    /// <summary>The package name.</summary>
    public const string PackageName = "TenantKit.EfCore";
}
