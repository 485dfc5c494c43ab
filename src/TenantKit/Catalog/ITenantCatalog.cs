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

    /// <summary>Lists tenants from the store, one page at a time, ordered by identifier.</summary>
    /// <param name="query">Filters and the page to return.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>One page and the total count.</returns>
    /// <exception cref="TenantCatalogUnavailableException">The store failed.</exception>
    ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds a tenant by an identifier that <paramref name="reader"/> read from the string <paramref name="source"/>, as
    /// <see cref="FindByIdentifierAsync(ReadOnlyMemory{char}, CancellationToken)"/> does; a catalog that recalls (see
    /// <see cref="TryRecall"/>) may remember the answer by that string's text, so a later request that reads the same text
    /// (a repeated <c>Host</c> header value, whether the same string object or a new one) can skip parsing and lookup.
    /// The default implementation calls <see cref="FindByIdentifierAsync(ReadOnlyMemory{char}, CancellationToken)"/> and
    /// remembers nothing: a decorator that does not implement the recall sees every lookup.
    /// </summary>
    /// <param name="identifier">The identifier <paramref name="reader"/> read from <paramref name="source"/>.</param>
    /// <param name="source">The string the identifier was read from (a <c>Host</c> header value).</param>
    /// <param name="reader">
    /// What read the identifier (a strategy). It must read the same identifier from the same string every time; answers
    /// are recalled only for the same reader.
    /// </param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The tenant, or <see langword="null"/> when no tenant has that identifier.</returns>
    /// <exception cref="TenantCatalogUnavailableException">The store failed and the identifier is not cached.</exception>
    ValueTask<TenantInfo?> FindByIdentifierAsync(ReadOnlyMemory<char> identifier, string source, object reader, CancellationToken cancellationToken = default)
        => FindByIdentifierAsync(identifier, cancellationToken);

    /// <summary>
    /// Recalls, without parsing, validating or a case-insensitive lookup, the tenant last found through
    /// <see cref="FindByIdentifierAsync(ReadOnlyMemory{char}, string, object, CancellationToken)"/> for this
    /// <paramref name="source"/> text (compared ordinally) and <paramref name="reader"/>, as long as the catalog would still answer
    /// it (no change reached the catalog since, and the cached entry has not expired). Needs no cancellation token. The
    /// default implementation recalls nothing: callers then look up through
    /// <see cref="FindByIdentifierAsync(ReadOnlyMemory{char}, string, object, CancellationToken)"/>, so a decorator that
    /// does not implement the recall is never read around; one that does forwards both members to the catalog it wraps.
    /// </summary>
    /// <param name="source">The string the identifier was read from.</param>
    /// <param name="reader">What read it, as passed to the lookup.</param>
    /// <param name="tenant">The tenant recalled.</param>
    /// <returns><see langword="true"/> when a tenant was recalled.</returns>
    bool TryRecall(string source, object reader, [NotNullWhen(true)] out TenantInfo? tenant)
    {
        tenant = null;
        return false;
    }
}
