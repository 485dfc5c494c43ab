namespace TenantKit.Resolution;

/// <summary>
/// The strategies of <see cref="TenantResolver{TContext}"/> without its lookup: the first non-empty answer, validated
/// with the check the catalog runs before a lookup (<see cref="TenantIdentifier.IsValid"/>), no stricter: an answer the
/// catalog would look up (and not find, such as the punycode of a look-alike no tenant may take) is an identifier here.
/// </summary>
internal sealed class TenantIdentifierReader<TContext>(IServiceProvider services, TenantServicesConfiguration configuration) : ITenantIdentifierReader<TContext>
{
    private readonly ITenantStrategy<TContext>[] _strategies = DeclaredStrategies.For<TContext>(services, configuration);

    public ValueTask<TenantIdentifierReading> ReadAsync(TContext context, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < _strategies.Length; i++)
        {
            var pending = _strategies[i].GetIdentifierAsync(context, cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                return ReadSlowAsync(context, i, pending, cancellationToken);
            }

            if (!pending.Result.IsEmpty)
            {
                return new(Validate(pending.Result, i));
            }
        }

        return new(TenantIdentifierReading.None);
    }

    private async ValueTask<TenantIdentifierReading> ReadSlowAsync(TContext context, int index, ValueTask<ReadOnlyMemory<char>> pending, CancellationToken cancellationToken)
    {
        for (var i = index; i < _strategies.Length; i++)
        {
            var identifier = i == index
                ? await pending.ConfigureAwait(false)
                : await _strategies[i].GetIdentifierAsync(context, cancellationToken).ConfigureAwait(false);
            if (!identifier.IsEmpty)
            {
                return Validate(identifier, i);
            }
        }

        return TenantIdentifierReading.None;
    }

    private static TenantIdentifierReading Validate(ReadOnlyMemory<char> identifier, int index)
        => TenantIdentifier.IsValid(identifier.Span)
            ? TenantIdentifierReading.Checked(identifier.Span, index)
            : TenantIdentifierReading.Invalid(index);
}
