namespace TenantKit.Catalog;

/// <summary>
/// Where tenants are kept: in memory, in configuration, in a database. Applications do not call a store directly:
/// reads go through <see cref="ITenantCatalog"/> (which caches) and writes through <see cref="ITenantAdministration"/>
/// (which checks the host scope, validates, stamps versions and announces the change). Implement it to keep tenants
/// somewhere else. A store throws when it cannot answer (network, disk); it never reports "not found" for that.
/// </summary>
public interface ITenantStore
{
    /// <summary><see langword="false"/> when the store cannot be written to (configuration).</summary>
    bool IsReadOnly { get; }

    /// <summary>Finds a tenant by its normalised identifier.</summary>
    /// <param name="identifier">A normalised identifier (lower case).</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The tenant, or <see langword="null"/> when no tenant has that identifier.</returns>
    ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default);

    /// <summary>Finds a tenant by its id.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The tenant, or <see langword="null"/> when no tenant has that id.</returns>
    ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists tenants, ordered by identifier, one page at a time.</summary>
    /// <param name="query">Filters and the page to return.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>One page of tenants and the total count.</returns>
    ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default);

    /// <summary>Adds a new tenant.</summary>
    /// <param name="tenant">The tenant, at version 1.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The tenant as stored.</returns>
    /// <exception cref="TenantAlreadyExistsException">Another tenant has the same id or identifier.</exception>
    /// <exception cref="TenantCatalogReadOnlyException">The store cannot be written to.</exception>
    ValueTask<TenantInfo> AddAsync(TenantInfo tenant, CancellationToken cancellationToken = default);

    /// <summary>Replaces a tenant if the stored version is still <paramref name="expectedVersion"/>.</summary>
    /// <param name="tenant">The new snapshot; its version must be <paramref name="expectedVersion"/> + 1.</param>
    /// <param name="expectedVersion">The version the caller read.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The tenant as stored.</returns>
    /// <exception cref="TenantNotFoundException">The tenant does not exist.</exception>
    /// <exception cref="TenantConcurrencyException">The stored version is not <paramref name="expectedVersion"/>.</exception>
    /// <exception cref="TenantAlreadyExistsException">The new identifier belongs to another tenant.</exception>
    /// <exception cref="TenantCatalogReadOnlyException">The store cannot be written to.</exception>
    ValueTask<TenantInfo> UpdateAsync(TenantInfo tenant, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Deletes a tenant if the stored version is still <paramref name="expectedVersion"/>.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="expectedVersion">The version the caller read.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the tenant is deleted.</returns>
    /// <exception cref="TenantNotFoundException">The tenant does not exist.</exception>
    /// <exception cref="TenantConcurrencyException">The stored version is not <paramref name="expectedVersion"/>.</exception>
    /// <exception cref="TenantCatalogReadOnlyException">The store cannot be written to.</exception>
    ValueTask DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default);
}
