namespace TenantKit.AspNetCore.Middleware;

/// <summary>Carries a resolved tenant across the second routing pass of a rebased (path-base) request.</summary>
internal sealed class PendingTenantFeature(TenantInfo tenant) : ITenantFeature
{
    public TenantInfo? Tenant => null;

    public TenantInfo Pending { get; } = tenant;
}
