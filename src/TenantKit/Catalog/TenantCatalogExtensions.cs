namespace TenantKit.Catalog;

/// <summary>Convenience overloads for <see cref="ITenantCatalog"/>.</summary>
public static class TenantCatalogExtensions
{
    /// <summary>Finds a tenant by identifier, in any letter case.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="identifier">The identifier.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The tenant, or <see langword="null"/>.</returns>
    public static ValueTask<TenantInfo?> FindByIdentifierAsync(this ITenantCatalog catalog, string identifier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(identifier);
        return catalog.FindByIdentifierAsync(identifier.AsMemory(), cancellationToken);
    }

    /// <summary>Enumerates every tenant matching <paramref name="query"/>, page by page.</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="query">Filters; <see cref="TenantQuery.Skip"/> is where to start.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The tenants, in identifier order.</returns>
    internal static async IAsyncEnumerable<TenantInfo> ListAllAsync(
        this ITenantCatalog catalog,
        TenantQuery? query = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var page = query ?? new TenantQuery();
        while (true)
        {
            var result = await catalog.ListAsync(page, cancellationToken).ConfigureAwait(false);
            foreach (var tenant in result.Items)
            {
                yield return tenant;
            }

            if (result.Items.Count < page.Take || page.Skip + result.Items.Count >= result.TotalCount)
            {
                yield break;
            }

            page = new TenantQuery
            {
                Skip = page.Skip + result.Items.Count, Take = page.Take, State = page.State, Owner = page.Owner, Region = page.Region, Search = page.Search,
            };
        }
    }
}
