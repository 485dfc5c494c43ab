namespace TenantKit.Runtime;

/// <summary>What the runtime knows of one tenant, for the host's console and endpoints.</summary>
/// <param name="TenantId">The tenant id.</param>
/// <param name="Identifier">The tenant identifier.</param>
/// <param name="IsResident"><see langword="true"/> when a generation of the tenant's container is in memory and serving.</param>
/// <param name="Generation">The number of the serving (or last) generation, from 1; 0 when never built.</param>
/// <param name="State">The serving generation's state, or <see langword="null"/> when not resident.</param>
/// <param name="LeasesOut">Leases held on the serving generation.</param>
/// <param name="LastAccess">When the last lease was released (or the generation built), or <see langword="null"/>.</param>
/// <param name="IdleTimeLeft">How long until the idle timeout unloads it, with no new lease; <see langword="null"/> when not resident, leased, or idle eviction is off.</param>
/// <param name="LastUnloadReason">Why the tenant last left memory, if it did.</param>
/// <param name="LastUnloadAt">When the tenant last left memory.</param>
/// <param name="LastError">The last build error, while the runtime backs off; else <see langword="null"/>.</param>
/// <param name="RetryAt">When the next build may be tried after a failure.</param>
public sealed record TenantRuntimeStatus(
    string TenantId,
    string Identifier,
    bool IsResident,
    long Generation,
    TenantGenerationState? State,
    int LeasesOut,
    DateTimeOffset? LastAccess,
    TimeSpan? IdleTimeLeft,
    TenantUnloadReason? LastUnloadReason,
    DateTimeOffset? LastUnloadAt,
    string? LastError,
    DateTimeOffset? RetryAt);

/// <summary>Totals of the tenant runtime.</summary>
/// <param name="Resident">Tenants with a serving generation.</param>
/// <param name="Building">Builds in flight.</param>
/// <param name="Draining">Generations waiting for their leases before disposal.</param>
/// <param name="LeasesOut">Leases held on serving generations.</param>
/// <param name="Builds">Successful builds since start.</param>
/// <param name="FailedBuilds">Failed builds since start.</param>
/// <param name="Unloads">Generations unloaded since start.</param>
public readonly record struct TenantRuntimeCounts(int Resident, int Building, int Draining, long LeasesOut, long Builds, long FailedBuilds, long Unloads);
