namespace TenantKit.Runtime;

/// <summary>How a tenant last left memory, kept (bounded) after its slot is gone.</summary>
internal sealed record UnloadRecord(string Identifier, long Generation, TenantUnloadReason Reason, DateTimeOffset At);
