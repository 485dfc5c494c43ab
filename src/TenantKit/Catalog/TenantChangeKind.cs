namespace TenantKit.Catalog;

/// <summary>What happened to a tenant in the catalog.</summary>
public enum TenantChangeKind
{
    /// <summary>A tenant was created.</summary>
    Created = 0,

    /// <summary>A tenant's data (name, identifier, region, owner, properties) changed.</summary>
    Updated = 1,

    /// <summary>A tenant was suspended.</summary>
    Suspended = 2,

    /// <summary>A suspended tenant was resumed.</summary>
    Resumed = 3,

    /// <summary>A tenant was deleted.</summary>
    Deleted = 4,

    /// <summary>The host asked for the tenant's container to be rebuilt, with no data change.</summary>
    ReloadRequested = 5,
}
