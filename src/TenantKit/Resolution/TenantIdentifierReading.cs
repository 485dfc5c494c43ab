namespace TenantKit.Resolution;

/// <summary>What <see cref="ITenantIdentifierReader{TContext}"/> read: a valid identifier, an invalid one, or none.</summary>
public readonly struct TenantIdentifierReading
{
    private TenantIdentifierReading(string? identifier, bool isInvalid, int strategyIndex)
    {
        Identifier = identifier;
        IsInvalid = isInvalid;
        StrategyIndex = strategyIndex;
    }

    /// <summary>The identifier in normal form (lower-case ASCII, punycode for an internationalised name), when valid.</summary>
    public string? Identifier { get; }

    /// <summary>
    /// <see langword="true"/> when a strategy answered with something that is not a valid identifier (bad characters, a
    /// repeated header, a look-alike host): resolution would refuse it as <see cref="TenantResolutionStatus.InvalidIdentifier"/>.
    /// </summary>
    public bool IsInvalid { get; }

    /// <summary>The position (from 0, in declaration order) of the strategy that answered, or -1.</summary>
    internal int StrategyIndex { get; }

    /// <summary><see langword="true"/> when a valid identifier was read.</summary>
    [MemberNotNullWhen(true, nameof(Identifier))]
    public bool HasIdentifier => Identifier is not null;

    /// <summary>No strategy answered: a request for the host (the application itself).</summary>
    internal static TenantIdentifierReading None => new(null, false, -1);

    /// <summary>A valid identifier.</summary>
    /// <param name="identifier">The identifier; normalised here.</param>
    /// <param name="strategyIndex">Which strategy answered.</param>
    /// <returns>The reading.</returns>
    /// <exception cref="InvalidTenantIdentifierException">The identifier is not valid.</exception>
    internal static TenantIdentifierReading Valid(string identifier, int strategyIndex) => new(TenantIdentifier.Normalize(identifier), false, strategyIndex);

    /// <summary>An identifier <see cref="TenantIdentifier.IsValid"/> accepted: ASCII, folded to lower case here.</summary>
    internal static TenantIdentifierReading Checked(ReadOnlySpan<char> identifier, int strategyIndex)
        => new(identifier.ContainsAnyInRange('A', 'Z') ? identifier.ToString().ToLowerInvariant() : identifier.ToString(), false, strategyIndex);

    /// <summary>An answer that is not a valid identifier.</summary>
    /// <param name="strategyIndex">Which strategy answered.</param>
    /// <returns>The reading.</returns>
    internal static TenantIdentifierReading Invalid(int strategyIndex) => new(null, true, strategyIndex);
}
