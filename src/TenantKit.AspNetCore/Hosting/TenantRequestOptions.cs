namespace TenantKit.AspNetCore;

/// <summary>How <c>UseTenantKit()</c> treats requests. Set it with <c>services.AddTenantKit(b => b.ConfigureRequests(o => ...))</c>.</summary>
public sealed class TenantRequestOptions
{
    /// <summary>
    /// What to do with a request that carries no tenant identifier.
    /// <value>The default is <see cref="NonTenantRequestHandling.Serve"/>: served by the application, with no tenant and no host scope.</value>
    /// </summary>
    public NonTenantRequestHandling NonTenantRequests { get; set; } = NonTenantRequestHandling.Serve;

    /// <summary>
    /// The region this node serves (<c>eu-west</c>). When set, a tenant whose <see cref="TenantInfo.Region"/> is another
    /// region is refused with 421 Misdirected Request (<see cref="TenantProblemTypes.RegionMismatch"/>), so a load
    /// balancer or client can go to the right region; tenants without a region are served everywhere.
    /// <value>The default is <see langword="null"/>: every region is served.</value>
    /// </summary>
    public string? Region { get; set; }
}
