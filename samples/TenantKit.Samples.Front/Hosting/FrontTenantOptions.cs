using TenantKit;

namespace TenantKit.Samples.Front.Hosting;

/// <summary>
/// How a request names its tenant (the <c>Front:Tenants</c> section): the same strategies, in the same order, as on the
/// nodes, so the front hashes exactly the identifier a node will resolve. The defaults are the sample's
/// (<c>samples/TenantKit.Samples.Saas/Program.cs</c>: <c>WithHostStrategy("{tenant}.localhost")</c>, then
/// <c>WithPathBaseStrategy("/t/{tenant}")</c>). An empty template turns its strategy off.
/// </summary>
public sealed class FrontTenantOptions
{
    /// <summary>The host template (<c>{tenant}.localhost</c> by default).</summary>
    public string? HostTemplate { get; set; } = "{tenant}.localhost";

    /// <summary>The path base template, tried after the host (<c>/t/{tenant}</c> by default).</summary>
    public string? PathBaseTemplate { get; set; } = "/t/{tenant}";

    /// <summary>Declares the strategies on a builder, as the nodes do.</summary>
    public void Apply(TenantKitBuilder tenants)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        if (!string.IsNullOrWhiteSpace(HostTemplate))
        {
            tenants.WithHostStrategy(HostTemplate);
        }

        if (!string.IsNullOrWhiteSpace(PathBaseTemplate))
        {
            tenants.WithPathBaseStrategy(PathBaseTemplate);
        }
    }
}
