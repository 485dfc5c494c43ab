namespace TenantKit.Runtime;

/// <summary>
/// Owns the resident tenants: builds each tenant's container once (however many callers arrive together), hands
/// out leases on it, unloads idle tenants, rebuilds changed ones and drains every generation before disposing it.
/// </summary>
/// <remarks>
/// <para>
/// Anyone may take leases (<see cref="AcquireAsync"/>, <see cref="TryAcquireResident"/>) and read the status
/// (<see cref="GetStatus"/>, <see cref="GetStatuses"/>, <see cref="Counts"/>). <see cref="LoadAsync"/> and
/// <see cref="Unload"/> are reserved to the host: call them inside
/// <see cref="ITenantContextAccessor.BeginHostScope"/>; anywhere else they throw <see cref="HostScopeRequiredException"/>
/// before doing anything. To rebuild a tenant (a new generation, the old one draining), the host calls
/// <see cref="ITenantAdministration.RequestReloadAsync"/>, which every node's runtime follows.
/// </para>
/// <para>
/// A decorator forwards every member to the runtime it wraps. It may decline <see cref="TryAcquireResident"/> (the
/// default implementation does): callers then fall back to <see cref="AcquireAsync"/>, which is always correct, only
/// slower on the warm path.
/// </para>
/// </remarks>
public interface ITenantRuntime
{
    /// <summary>
    /// Takes a lease on the tenant's current generation, building it first if it is not resident. On a resident tenant
    /// this completes synchronously and allocates nothing. Dispose the lease when done (<c>await using</c>).
    /// </summary>
    /// <param name="tenant">An active tenant.</param>
    /// <param name="cancellationToken">Cancels waiting for a build (the build itself goes on for other callers).</param>
    /// <returns>The lease.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tenant"/> is <see langword="null"/>.</exception>
    /// <exception cref="TenantSuspendedException">The tenant is suspended (also when <paramref name="tenant"/> is an active snapshot taken before the suspension).</exception>
    /// <exception cref="TenantNotFoundException">The tenant was deleted after <paramref name="tenant"/> was read, or while the build this call waited for was in flight.</exception>
    /// <exception cref="TenantLoadException">The build failed, or the runtime is backing off after a failure.</exception>
    /// <exception cref="ObjectDisposedException">The runtime has shut down.</exception>
    /// <remarks>
    /// The lease's <see cref="TenantLease.Tenant"/> is the snapshot the leased generation was built from, which may be
    /// older than <paramref name="tenant"/> while a change that <see cref="TenantRuntimeOptions.RequiresNewGeneration"/>
    /// lets the old generation serve is being built; code serving the lease should read the tenant from the lease.
    /// To acquire by identifier, see <see cref="TenantRuntimeExtensions.AcquireAsync(ITenantRuntime, ITenantCatalog, string, CancellationToken)"/>.
    /// </remarks>
    ValueTask<TenantLease> AcquireAsync(TenantInfo tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// The warm path of <see cref="AcquireAsync"/>: a lease on the tenant's resident generation, taken synchronously
    /// without a lock, an allocation or a cancellation token (so a web request's abort token is not even created), or
    /// <see langword="false"/> when the tenant is not resident, not active, or the implementation declines. Never
    /// builds and never throws for the tenant's state: on <see langword="false"/>, call <see cref="AcquireAsync"/>.
    /// </summary>
    /// <param name="tenant">The tenant, as the catalog returned it.</param>
    /// <param name="lease">The lease when the method returns <see langword="true"/>; dispose it when done. Otherwise a default (empty) lease.</param>
    /// <returns><see langword="true"/> when a lease was taken.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tenant"/> is <see langword="null"/> (TenantKit's runtime).</exception>
    /// <remarks>The default implementation declines (returns <see langword="false"/>), so decorators written before it keep working.</remarks>
    bool TryAcquireResident(TenantInfo tenant, out TenantLease lease)
    {
        lease = default;
        return false;
    }

    /// <summary>Builds the tenant's container now if it is not resident. Host only.</summary>
    /// <param name="tenant">An active tenant.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>A task that completes when the tenant is resident.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tenant"/> is <see langword="null"/>.</exception>
    /// <exception cref="HostScopeRequiredException">Called outside a host scope (<see cref="ITenantContextAccessor.BeginHostScope"/>).</exception>
    /// <exception cref="TenantSuspendedException">The tenant is suspended.</exception>
    /// <exception cref="TenantNotFoundException">The tenant was deleted after <paramref name="tenant"/> was read.</exception>
    /// <exception cref="TenantLoadException">The build failed, or the runtime is backing off after a failure.</exception>
    /// <exception cref="ObjectDisposedException">The runtime has shut down.</exception>
    ValueTask LoadAsync(TenantInfo tenant, CancellationToken cancellationToken = default);

    /// <summary>Unloads a resident tenant: its generation drains (until its leases are released) and is disposed. Host only.</summary>
    /// <param name="tenantId">The tenant id.</param>
    /// <returns><see langword="true"/> when a generation was unloaded.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tenantId"/> is <see langword="null"/>.</exception>
    /// <exception cref="HostScopeRequiredException">Called outside a host scope (<see cref="ITenantContextAccessor.BeginHostScope"/>).</exception>
    bool Unload(string tenantId);

    /// <summary>
    /// Waits until nothing of the tenant is draining: every generation of it that left service (host unload, reload,
    /// idle or capacity eviction, suspension, deletion, shutdown), and a build that an unload cancelled, has been
    /// drained (its last lease released) and disposed. It unloads nothing itself: call it after <see cref="Unload"/>,
    /// a reload or a suspension, where an operator or a test would otherwise poll <see cref="GetStatus"/> or
    /// <see cref="Counts"/>. Generations that start draining while it waits are waited for too.
    /// </summary>
    /// <param name="tenantId">The tenant id.</param>
    /// <param name="cancellationToken">Cancels waiting (the drains go on).</param>
    /// <returns>A task that completes when the tenant has nothing draining (at once when it has nothing draining now).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tenantId"/> is <see langword="null"/>.</exception>
    Task WaitForUnloadAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>What the runtime knows of one tenant; <see cref="TenantRuntimeStatus.IsResident"/> is <see langword="false"/> when not in memory.</summary>
    /// <param name="tenantId">The tenant id.</param>
    /// <returns>The status, or <see langword="null"/> when the runtime has never seen the tenant (or forgot it).</returns>
    TenantRuntimeStatus? GetStatus(string tenantId);

    /// <summary>
    /// The status of every tenant the runtime holds: resident, building, backing off after a failure, or with an old
    /// generation still draining.
    /// </summary>
    /// <returns>The statuses, ordered by identifier.</returns>
    IReadOnlyList<TenantRuntimeStatus> GetStatuses();

    /// <summary>The runtime's totals.</summary>
    TenantRuntimeCounts Counts { get; }
}
