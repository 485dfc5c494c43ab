namespace TenantKit.EfCore;

/// <summary>
/// Marks an entity type as tenant-owned, with its tenant column as a CLR property. TenantKit sets
/// <see cref="TenantId"/> when the entity is added; the application never needs to.
/// </summary>
public interface ITenantOwned
{
    /// <summary>The id of the tenant the row belongs to (<see cref="TenantInfo.Id"/>).</summary>
    string TenantId { get; set; }
}
