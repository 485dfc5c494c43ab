namespace TenantKit.Resolution;

/// <summary>
/// A strategy whose answer is a pure function of one string it reads from the context (the <c>Host</c> header, one
/// header's value). The resolver remembers the catalog's answer per string object (see <see cref="Catalog.RecentLookups{TValue}"/>),
/// so a connection that sends the same header string again skips parsing and lookup. The result of
/// <see cref="ITenantStrategy{TContext}.GetIdentifierAsync"/> must equal <see cref="Extract"/> of
/// <see cref="GetSource"/> whenever the source is not <see langword="null"/>.
/// </summary>
/// <typeparam name="TContext">What the identifier is read from.</typeparam>
internal interface ITenantSourceStrategy<in TContext> : ITenantStrategy<TContext>
{
    /// <summary>
    /// The one string the identifier is read from: empty when there is nothing to read (the strategy has no answer),
    /// <see langword="null"/> when there is more than one string (only <see cref="ITenantStrategy{TContext}.GetIdentifierAsync"/>
    /// knows the answer then).
    /// </summary>
    string? GetSource(TContext context);

    /// <summary>The identifier in <paramref name="source"/>, as <see cref="ITenantStrategy{TContext}.GetIdentifierAsync"/> answers it.</summary>
    ReadOnlyMemory<char> Extract(string source);
}
