namespace TenantKit.Runtime;

/// <summary>The life of one generation (one build) of a tenant's container.</summary>
/// <remarks>
/// The allowed transitions: <see cref="Building"/> → <see cref="Active"/> → <see cref="Draining"/> → <see cref="Disposed"/>;
/// <see cref="Building"/> → <see cref="Failed"/> (a start hook or hosted service threw); <see cref="Building"/> →
/// <see cref="Draining"/> (unloaded while it was building: it never serves). <see cref="Failed"/> and
/// <see cref="Disposed"/> are final; the runtime refuses any other transition.
/// </remarks>
internal enum TenantGenerationState
{
    /// <summary>The container is being built; acquirers wait for it.</summary>
    Building = 0,

    /// <summary>The container serves leases.</summary>
    Active = 1,

    /// <summary>The generation takes no new lease; it is disposed when the last lease is released.</summary>
    Draining = 2,

    /// <summary>The container has been disposed.</summary>
    Disposed = 3,

    /// <summary>The build failed; the runtime retries after a back-off.</summary>
    Failed = 4,
}
