using TenantKit.EfCore;

namespace TenantKit.MultiNode.Node.Data;

/// <summary>A tenant's row in a table all tenants share: TenantKit filters every query to the tenant and stamps every save.</summary>
public sealed class Note : ITenantOwned
{
    public const int MaxTextLength = 200;

    public long Id { get; set; }

    /// <summary>The owning tenant's id, set by TenantKit on save.</summary>
    public string TenantId { get; set; } = string.Empty;

    public string Text { get; set; } = string.Empty;

    /// <summary>The node that wrote the row.</summary>
    public string Node { get; set; } = string.Empty;
}
