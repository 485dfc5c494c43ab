namespace TenantKit.Runtime;

/// <summary>
/// Owns the resident tenants: builds each tenant's container once (however many callers arrive together), hands
/// out leases on it, unloads idle tenants, rebuilds changed ones and drains every generation before disposing it.
/// </summary>
public interface ITenantRuntime
{
    /// <summary>
    /// Takes a lease on the tenant's current generation, building it first if it is not resident. On a resident tenant
    /// this completes synchronously and allocates nothing. Dispose the lease when done (<c>await using</c>).
    /// </summary>
    /// <param name="tenant">An active tenant.</param>
    /// <param name="cancellationToken">Cancels waiting for a build (the build itself goes on for other callers).</param>
    /// <returns>The lease.</returns>
    /// <exception cref="TenantSuspendedException">The tenant is suspended (also when <paramref name="tenant"/> is an active snapshot taken before the suspension).</exception>
    /// <exception cref="TenantNotFoundException">The tenant was deleted after <paramref name="tenant"/> was read.</exception>
    /// <exception cref="TenantLoadException">The build failed, or the runtime is backing off after a failure.</exception>
    /// <exception cref="ObjectDisposedException">The runtime has shut down.</exception>
    ValueTask<TenantLease> AcquireAsync(TenantInfo tenant, CancellationToken cancellationToken = default);

    /// <summary>Builds the tenant's container now if it is not resident (host only).</summary>
    /// <param name="tenant">An active tenant.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>A task that completes when the tenant is resident.</returns>
    /// <exception cref="HostScopeRequiredException">Called outside a host scope.</exception>
    ValueTask LoadAsync(TenantInfo tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Builds a new generation of a resident tenant's container from <paramref name="tenant"/>; new leases get it and
    /// the old one drains. Does nothing for a tenant that is not resident (host only).
    /// </summary>
    /// <param name="tenant">The tenant, as it is now.</param>
    /// <param name="cancellationToken">Cancels waiting for the new generation.</param>
    /// <returns>A task that completes when the new generation serves (or at once when not resident).</returns>
    /// <exception cref="HostScopeRequiredException">Called outside a host scope.</exception>
    ValueTask ReloadAsync(TenantInfo tenant, CancellationToken cancellationToken = default);

    /// <summary>Unloads a resident tenant: its generation drains and is disposed (host only).</summary>
    /// <param name="tenantId">The tenant id.</param>
    /// <returns><see langword="true"/> when a generation was unloaded.</returns>
    /// <exception cref="HostScopeRequiredException">Called outside a host scope.</exception>
    bool Unload(string tenantId);

    /// <summary>What the runtime knows of one tenant; <see cref="TenantRuntimeStatus.IsResident"/> is <see langword="false"/> when not in memory.</summary>
    /// <param name="tenantId">The tenant id.</param>
    /// <returns>The status, or <see langword="null"/> when the runtime has never seen the tenant (or forgot it).</returns>
    TenantRuntimeStatus? GetStatus(string tenantId);

    /// <summary>The status of every tenant the runtime holds (resident, building, or backing off after a failure).</summary>
    /// <returns>The statuses, ordered by identifier.</returns>
    IReadOnlyList<TenantRuntimeStatus> GetStatuses();

    /// <summary>The runtime's totals.</summary>
    TenantRuntimeCounts Counts { get; }
}
