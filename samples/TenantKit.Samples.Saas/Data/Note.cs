using TenantKit.EfCore;

namespace TenantKit.Samples.Saas.Data;

/// <summary>A tenant's note. Tenant-owned: every query is filtered to the current tenant and every save is stamped with it.</summary>
public sealed class Note : ITenantOwned
{
    /// <summary>The longest title.</summary>
    public const int MaxTitleLength = 200;

    /// <summary>The longest text.</summary>
    public const int MaxTextLength = 4000;

    public int Id { get; set; }

    /// <summary>The owning tenant's id, set by TenantKit on save.</summary>
    public string TenantId { get; set; } = string.Empty;

    public string Title { get; set; } = string.Empty;

    public string Text { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
