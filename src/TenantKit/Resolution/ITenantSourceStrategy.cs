namespace TenantKit.Resolution;

/// <summary>
/// A strategy whose answer is a pure function of one string it reads from the context (the <c>Host</c> header, one
/// header's value). TenantKit's resolver asks the catalog to remember its answer by that string's text (see
/// <see cref="ITenantCatalog.TryRecall"/>), so a request that sends the same header value again skips parsing and
/// lookup. Implement it on a strategy of your own to take part; a strategy that does not is asked through
/// <see cref="ITenantStrategy{TContext}.GetIdentifierAsync"/> every time.
/// </summary>
/// <remarks>
/// The result of <see cref="ITenantStrategy{TContext}.GetIdentifierAsync"/> must equal <see cref="Extract"/> of
/// <see cref="GetSource"/> whenever the source is not <see langword="null"/>, and <see cref="Extract"/> must answer the
/// same identifier for the same string every time.
/// </remarks>
/// <typeparam name="TContext">What the identifier is read from.</typeparam>
public interface ITenantSourceStrategy<in TContext> : ITenantStrategy<TContext>
{
    /// <summary>
    /// The one string the identifier is read from: empty when there is nothing to read (the strategy has no answer),
    /// <see langword="null"/> when there is more than one string (only <see cref="ITenantStrategy{TContext}.GetIdentifierAsync"/>
    /// knows the answer then).
    /// </summary>
    /// <param name="context">The context.</param>
    /// <returns>The string, empty, or <see langword="null"/>.</returns>
    string? GetSource(TContext context);

    /// <summary>The identifier in <paramref name="source"/>, as <see cref="ITenantStrategy{TContext}.GetIdentifierAsync"/> answers it.</summary>
    /// <param name="source">A string <see cref="GetSource"/> answered.</param>
    /// <returns>The identifier, or empty when the string holds none.</returns>
    ReadOnlyMemory<char> Extract(string source);
}
