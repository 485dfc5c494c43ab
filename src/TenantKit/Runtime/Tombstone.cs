namespace TenantKit.Runtime;

/// <summary>A tenant suspended (its suspended snapshot) or deleted (<see langword="null"/>), as the change feed announced it.</summary>
internal sealed record Tombstone(TenantInfo? Suspended);
