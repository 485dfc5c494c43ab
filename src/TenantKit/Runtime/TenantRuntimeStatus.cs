namespace TenantKit.Runtime;

/// <summary>
/// What the runtime knows of one tenant, for an operator (the host's console, endpoints and health checks): whether
/// it is in memory or being built, how busy and how idle it is, why it last left memory, why its last build failed,
/// and whether older generations are still draining because requests hold them.
/// </summary>
public sealed class TenantRuntimeStatus
{
    internal TenantRuntimeStatus(string tenantId, string identifier)
    {
        TenantId = tenantId;
        Identifier = identifier;
    }

    /// <summary>The tenant id.</summary>
    public string TenantId { get; }

    /// <summary>The tenant identifier.</summary>
    public string Identifier { get; }

    /// <summary><see langword="true"/> when a generation of the tenant's container is in memory and serving.</summary>
    public bool IsResident { get; internal init; }

    /// <summary>
    /// <see langword="true"/> while a generation of the tenant's container is being built: the first one (requests wait
    /// for it), or a new one after a change or a reload (the resident generation serves meanwhile).
    /// </summary>
    public bool IsBuilding { get; internal init; }

    /// <summary>The number of the serving (or last) generation, from 1; 0 when never built.</summary>
    public long Generation { get; internal init; }

    /// <summary>Leases held on the serving generation (requests and work in the tenant right now).</summary>
    public int LeasesOut { get; internal init; }

    /// <summary>When the serving generation was last released (or built), or <see langword="null"/> when not resident.</summary>
    public DateTimeOffset? LastAccess { get; internal init; }

    /// <summary>
    /// How long until the idle timeout unloads the tenant, with no new lease; <see langword="null"/> when not resident,
    /// leased, or when idle eviction is off.
    /// </summary>
    public TimeSpan? IdleTimeLeft { get; internal init; }

    /// <summary>Why the tenant last left memory, or <see langword="null"/> if it never did.</summary>
    public TenantUnloadReason? LastUnloadReason { get; internal init; }

    /// <summary>When the tenant last left memory, or <see langword="null"/>.</summary>
    public DateTimeOffset? LastUnloadAt { get; internal init; }

    /// <summary>The last build error's message while the runtime backs off after it; else <see langword="null"/>.</summary>
    public string? LastError { get; internal init; }

    /// <summary>When the next build may be tried after a failure, or <see langword="null"/>.</summary>
    public DateTimeOffset? RetryAt { get; internal init; }

    /// <summary>
    /// Leases still held on the tenant's generations that left service (reload, unload, suspension...) but are not
    /// disposed yet: requests still running on an older container, each of which is disposed after its last lease.
    /// </summary>
    public int DrainingLeases { get; internal init; }

    /// <summary>
    /// When the oldest of the tenant's generations still draining left service, or <see langword="null"/> when none
    /// drains. A time far in the past means a lease is held for long (or leaked).
    /// </summary>
    public DateTimeOffset? DrainingSince { get; internal init; }
}
