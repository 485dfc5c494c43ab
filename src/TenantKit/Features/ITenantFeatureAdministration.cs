namespace TenantKit.Features;

/// <summary>
/// The host's administration of tenants' features and plans, over <see cref="ITenantAdministration"/>: each call reads
/// the tenant, changes its feature properties (<see cref="TenantFeatureProperties"/>) and writes them back with
/// optimistic concurrency, so the change reaches every node through the change feed and the tenant's next requests are
/// served by a new generation built with the new set (in-flight requests finish on the old one). Reserved to the host
/// like <see cref="ITenantAdministration"/>.
/// </summary>
public interface ITenantFeatureAdministration
{
    /// <summary>
    /// Enables <paramref name="feature"/> for a tenant (adds it, or takes back its removal). Enabling a feature the
    /// tenant has changes nothing.
    /// </summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="feature">The feature id.</param>
    /// <param name="expectedVersion">The version the caller read, or <see langword="null"/> to retry on concurrent changes.</param>
    /// <param name="enableDependencies">Also enable the features it needs that the tenant lacks, instead of refusing.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tenant after the change.</returns>
    /// <exception cref="TenantValidationException">The feature is unknown, or needs features the tenant lacks.</exception>
    /// <exception cref="TenantNotFoundException">No tenant has the id.</exception>
    /// <exception cref="TenantConcurrencyException">The tenant changed since <paramref name="expectedVersion"/>.</exception>
    ValueTask<TenantInfo> EnableFeatureAsync(string id, string feature, long? expectedVersion = null, bool enableDependencies = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Disables <paramref name="feature"/> for a tenant (drops its addition, or removes what its plan or the defaults
    /// give). Disabling a feature the tenant lacks changes nothing.
    /// </summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="feature">The feature id.</param>
    /// <param name="expectedVersion">The version the caller read, or <see langword="null"/> to retry on concurrent changes.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tenant after the change.</returns>
    /// <exception cref="TenantValidationException">The feature is unknown, always on, or needed by another of the tenant's features.</exception>
    /// <exception cref="TenantNotFoundException">No tenant has the id.</exception>
    /// <exception cref="TenantConcurrencyException">The tenant changed since <paramref name="expectedVersion"/>.</exception>
    ValueTask<TenantInfo> DisableFeatureAsync(string id, string feature, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Puts a tenant on <paramref name="plan"/>, or on no plan (<see langword="null"/>); its own additions and removals stay.</summary>
    /// <param name="id">The tenant id.</param>
    /// <param name="plan">The plan name, or <see langword="null"/>.</param>
    /// <param name="expectedVersion">The version the caller read, or <see langword="null"/> to retry on concurrent changes.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tenant after the change.</returns>
    /// <exception cref="TenantValidationException">The plan is unknown, or the tenant's features would be inconsistent with it.</exception>
    /// <exception cref="TenantNotFoundException">No tenant has the id.</exception>
    /// <exception cref="TenantConcurrencyException">The tenant changed since <paramref name="expectedVersion"/>.</exception>
    ValueTask<TenantInfo> SetPlanAsync(string id, string? plan, long? expectedVersion = null, CancellationToken cancellationToken = default);
}
