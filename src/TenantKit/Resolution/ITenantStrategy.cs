namespace TenantKit.Resolution;

/// <summary>
/// Reads a tenant identifier from a context: an HTTP request, a queue message, a job. Strategies run in the order
/// they were declared and the first that answers wins. Return a slice of a string you already have
/// (<c>host.AsMemory(0, dot)</c>) so the common path allocates nothing.
/// </summary>
/// <typeparam name="TContext">What the identifier is read from.</typeparam>
public interface ITenantStrategy<in TContext>
{
    /// <summary>Reads the identifier, in any letter case.</summary>
    /// <param name="context">The context to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The identifier, or an empty value when this strategy has no answer for the context.</returns>
    ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(TContext context, CancellationToken cancellationToken);
}
