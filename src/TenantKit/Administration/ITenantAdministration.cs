namespace TenantKit;

/// <summary>
/// The host's (super tenant's) administration of tenants. Every member refuses to run outside an explicit host scope
/// (<see cref="ITenantContextAccessor.BeginHostScope"/>) with a <see cref="HostScopeRequiredException"/>: code
/// running as a tenant can never list, read or change other tenants through it. Reads go to the store, not the cache,
/// so versions are current. Every change is announced on <see cref="ITenantChangeFeed"/>.
/// </summary>
public interface ITenantAdministration
{
    /// <summary>Lists tenants, one page at a time, ordered by identifier.</summary>
    /// <param name="query">Filters (state, owner, region, search) and the page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page.</returns>
    ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads a tenant by id.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tenant, or <see langword="null"/>.</returns>
    ValueTask<TenantInfo?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Reads a tenant by identifier (any letter case).</summary>
    /// <param name="identifier">The identifier.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tenant, or <see langword="null"/>.</returns>
    ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default);

    /// <summary>Creates a tenant at version 1.</summary>
    /// <param name="draft">The new tenant's data.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The created tenant.</returns>
    /// <exception cref="TenantValidationException">The draft is invalid; every problem is listed.</exception>
    /// <exception cref="TenantAlreadyExistsException">The id or identifier is taken.</exception>
    ValueTask<TenantInfo> CreateAsync(TenantDraft draft, CancellationToken cancellationToken = default);

    /// <summary>Changes a tenant's data if it is still at <paramref name="expectedVersion"/>.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="update">The changes; <see langword="null"/> fields stay as they are.</param>
    /// <param name="expectedVersion">The version the caller read (an HTTP <c>If-Match</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The changed tenant, one version higher.</returns>
    /// <exception cref="TenantNotFoundException">No tenant has the id.</exception>
    /// <exception cref="TenantConcurrencyException">The tenant changed since <paramref name="expectedVersion"/>.</exception>
    /// <exception cref="TenantValidationException">The changes are invalid.</exception>
    ValueTask<TenantInfo> UpdateAsync(string id, TenantUpdate update, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Suspends a tenant: it is refused and leaves memory. Suspending a suspended tenant changes nothing.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="expectedVersion">The version the caller read, or <see langword="null"/> to suspend whatever the version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tenant after the change.</returns>
    ValueTask<TenantInfo> SuspendAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Resumes a suspended tenant. Resuming an active tenant changes nothing.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="expectedVersion">The version the caller read, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tenant after the change.</returns>
    ValueTask<TenantInfo> ResumeAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a tenant; its id is never reused. Its container is unloaded.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="expectedVersion">The version the caller read, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the tenant is deleted.</returns>
    ValueTask DeleteAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Asks every node to rebuild the tenant's container (a new generation), without changing its data.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the request is announced.</returns>
    ValueTask RequestReloadAsync(string id, CancellationToken cancellationToken = default);
}
