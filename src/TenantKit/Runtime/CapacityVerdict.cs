namespace TenantKit.Runtime;

/// <summary>What the capacity rule did to one generation (<see cref="GenerationLifecycle.TryDrainOrMarkForCapacity"/>).</summary>
internal enum CapacityVerdict
{
    /// <summary>It was not serving (already draining, or not yet active): nothing changed.</summary>
    NotServing,

    /// <summary>It had no lease out and started draining.</summary>
    Drained,

    /// <summary>It was leased, or not leased yet since its build: kept (and marked, when asked).</summary>
    Kept,
}
