namespace TenantKit.Runtime;

/// <summary>Why a tenant generation left memory.</summary>
public enum TenantUnloadReason
{
    /// <summary>No lease for the idle timeout. Local to this node: never broadcast.</summary>
    Idle = 0,

    /// <summary>More tenants were resident than the capacity allows, and this one was the least recently used idle one. Local.</summary>
    Capacity = 1,

    /// <summary>The tenant was suspended.</summary>
    Suspended = 2,

    /// <summary>The tenant was deleted.</summary>
    Deleted = 3,

    /// <summary>A newer generation replaced this one (the tenant changed, or the host asked for a reload).</summary>
    Reload = 4,

    /// <summary>The application is shutting down.</summary>
    Shutdown = 5,

    /// <summary>The host asked for the tenant to be unloaded.</summary>
    Requested = 6,
}
