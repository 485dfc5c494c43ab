namespace TenantKit.Resolution;

/// <summary>
/// Runs the strategies declared for <typeparamref name="TContext"/>, in order, and validates what the first one that
/// answers reads, exactly as resolution does, but stops there: no catalog lookup. For a component in front of the
/// application nodes (a proxy routing by tenant) that must read a request's tenant identifier the way the nodes read it,
/// without a catalog.
/// </summary>
/// <typeparam name="TContext">What the identifier is read from.</typeparam>
public interface ITenantIdentifierReader<in TContext>
{
    /// <summary>Reads and validates the identifier of <paramref name="context"/>.</summary>
    /// <param name="context">The context to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>What was read: a normalised identifier, an invalid one, or none.</returns>
    ValueTask<TenantIdentifierReading> ReadAsync(TContext context, CancellationToken cancellationToken = default);
}
