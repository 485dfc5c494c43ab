namespace TenantKit.Catalog;

/// <summary>
/// Reads tenants through an in-process cache in front of the <see cref="ITenantStore"/>. Concurrent misses for one
/// identifier share one store call; unknown identifiers are remembered for a short time; catalog changes evict
/// entries at once; when the store fails, cached tenants keep being served and uncached lookups throw
/// <see cref="TenantCatalogUnavailableException"/> (never "not found").
/// </summary>
public interface ITenantCatalog
{
    /// <summary>
    /// Finds a tenant by identifier, in any letter case. A cached answer completes synchronously and allocates nothing.
    /// </summary>
    /// <param name="identifier">The identifier (any case). An invalid identifier is answered "not found".</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The tenant, or <see langword="null"/> when no tenant has that identifier.</returns>
    /// <exception cref="TenantCatalogUnavailableException">The store failed and the identifier is not cached.</exception>
    ValueTask<TenantInfo?> FindByIdentifierAsync(ReadOnlyMemory<char> identifier, CancellationToken cancellationToken = default);

    /// <summary>Finds a tenant by its id (not cached by identifier; served from the store).</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The tenant, or <see langword="null"/>.</returns>
    /// <exception cref="TenantCatalogUnavailableException">The store failed.</exception>
    ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists tenants from the store, one page at a time, ordered by identifier.</summary>
    /// <param name="query">Filters and the page to return.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>One page and the total count.</returns>
    /// <exception cref="TenantCatalogUnavailableException">The store failed.</exception>
    ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default);

    /// <summary>Drops every cached entry for the tenant (by id and identifier).</summary>
    /// <param name="identifier">The identifier to forget.</param>
    void Invalidate(string identifier);
}
