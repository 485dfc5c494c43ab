namespace TenantKit.Runtime;

/// <summary>A generation a capacity scan found idle, with its number and last access at that moment.</summary>
internal readonly record struct CapacityCandidate(TenantSlot Slot, long Generation, long LastAccess);
