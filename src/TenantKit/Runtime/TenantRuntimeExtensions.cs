namespace TenantKit.Runtime;

/// <summary>Convenience overloads for <see cref="ITenantRuntime"/>.</summary>
public static class TenantRuntimeExtensions
{
    /// <summary>
    /// Looks the tenant up by identifier in <paramref name="catalog"/>, then takes a lease on its current generation as
    /// <see cref="ITenantRuntime.AcquireAsync(TenantInfo, CancellationToken)"/> does (building it first if needed).
    /// </summary>
    /// <param name="runtime">The runtime.</param>
    /// <param name="catalog">The catalog the identifier is looked up in.</param>
    /// <param name="identifier">The tenant's identifier, in any letter case.</param>
    /// <param name="cancellationToken">Cancels the look-up and waiting for a build.</param>
    /// <returns>The lease; dispose it when done.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidTenantIdentifierException"><paramref name="identifier"/> is not a valid tenant identifier.</exception>
    /// <exception cref="TenantNotFoundException">No tenant has this identifier, or it was deleted while its build was in flight.</exception>
    /// <exception cref="TenantSuspendedException">The tenant is suspended.</exception>
    /// <exception cref="TenantCatalogUnavailableException">The store is unavailable and the tenant is not cached.</exception>
    /// <exception cref="TenantLoadException">The build failed, or the runtime is backing off after a failure.</exception>
    /// <exception cref="ObjectDisposedException">The runtime has shut down.</exception>
    public static async ValueTask<TenantLease> AcquireAsync(this ITenantRuntime runtime, ITenantCatalog catalog, string identifier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(identifier);
        var normalized = TenantIdentifier.Normalize(identifier);
        var tenant = await catalog.FindByIdentifierAsync(normalized, cancellationToken).ConfigureAwait(false)
            ?? throw new TenantNotFoundException(normalized);
        return await runtime.AcquireAsync(tenant, cancellationToken).ConfigureAwait(false);
    }
}
