using TenantKit.Catalog;
using TenantKit.Diagnostics;
using TenantKit.Runtime;

namespace TenantKit.Resolution;

/// <summary>
/// Runs the strategies declared for <typeparamref name="TContext"/> in order, then asks the catalog. A strategy that
/// reads one string (<see cref="ITenantSourceStrategy{TContext}"/>) looks up through the catalog's recall contract
/// (<see cref="ITenantCatalog.TryRecall"/>), which a catalog that does not implement it (a decorator) declines: it is
/// then asked for every lookup, never read around.
/// </summary>
internal sealed class TenantResolver<TContext> : ITenantResolver<TContext>
{
    private readonly ITenantStrategy<TContext>[] _strategies;
    private readonly ITenantSourceStrategy<TContext>?[] _sources;
    private readonly ITenantCatalog _catalog;
    private readonly TenantKitMetrics _metrics;

    public TenantResolver(IServiceProvider services, TenantServicesConfiguration configuration, ITenantCatalog catalog, TenantKitMetrics metrics)
    {
        _catalog = catalog;
        _metrics = metrics;
        var strategies = DeclaredStrategies.For<TContext>(services, configuration);
        _strategies = strategies;
        // The strategy itself is the reader the catalog files recalled answers under: two strategies reading the same
        // text never recall each other's answer.
        _sources = [.. strategies.Select(s => s as ITenantSourceStrategy<TContext>)];
    }

    internal int StrategyCount => _strategies.Length;

    public ValueTask<TenantResolution> ResolveAsync(TContext context, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < _strategies.Length; i++)
        {
            ReadOnlyMemory<char> identifier;
            var reader = _sources[i];
            var source = reader?.GetSource(context);
            if (source is { Length: 0 })
            {
                continue;
            }

            if (source is not null)
            {
                // The same text as a recent request (a repeated Host header, new string object or not): its tenant,
                // unless the catalog changed since or the entry expired.
                if (_catalog.TryRecall(source, reader!, out var recalled))
                {
                    return new ValueTask<TenantResolution>(TenantResolution.Resolved(recalled, i));
                }

                identifier = reader!.Extract(source);
            }
            else
            {
                var pending = _strategies[i].GetIdentifierAsync(context, cancellationToken);
                if (!pending.IsCompletedSuccessfully)
                {
                    return ResolveSlowAsync(context, i, pending, cancellationToken);
                }

                identifier = pending.Result;
            }

            if (!identifier.IsEmpty)
            {
                return Lookup(identifier, i, source, cancellationToken);
            }
        }

        return Fail(TenantResolutionStatus.NoIdentifier, -1);
    }

    /// <summary>
    /// The warm path of <see cref="ResolveAsync"/>: when the first strategy with something to read reads a string
    /// object the catalog recalls (a keep-alive connection's <c>Host</c> header), its tenant, with no cancellation token
    /// needed. <see langword="false"/> whenever <see cref="ResolveAsync"/> must run: a strategy before it is not a
    /// source strategy, the string was not seen recently, the catalog changed since, or the catalog does not recall.
    /// </summary>
    public bool TryResolveRecent(TContext context, out TenantResolution resolution)
    {
        for (var i = 0; i < _sources.Length; i++)
        {
            var reader = _sources[i];
            if (reader?.GetSource(context) is not { } source)
            {
                break;
            }

            if (source.Length == 0)
            {
                // Nothing to read: this strategy has no answer, the next one may.
                continue;
            }

            if (_catalog.TryRecall(source, reader, out var tenant))
            {
                resolution = TenantResolution.Resolved(tenant, i);
                return true;
            }

            break;
        }

        resolution = default;
        return false;
    }

    private async ValueTask<TenantResolution> ResolveSlowAsync(TContext context, int index, ValueTask<ReadOnlyMemory<char>> pending, CancellationToken cancellationToken)
    {
        for (var i = index; i < _strategies.Length; i++)
        {
            var identifier = i == index
                ? await pending.ConfigureAwait(false)
                : await _strategies[i].GetIdentifierAsync(context, cancellationToken).ConfigureAwait(false);
            if (!identifier.IsEmpty)
            {
                return await Lookup(identifier, i, null, cancellationToken).ConfigureAwait(false);
            }
        }

        return await Fail(TenantResolutionStatus.NoIdentifier, -1).ConfigureAwait(false);
    }

    private ValueTask<TenantResolution> Lookup(ReadOnlyMemory<char> identifier, int index, string? source, CancellationToken cancellationToken)
    {
        // The catalog answers null at once for an invalid identifier; validating only on a miss keeps the hit path to
        // one validation (the catalog's).
        var lookup = source is null
            ? _catalog.FindByIdentifierAsync(identifier, cancellationToken)
            : _catalog.FindByIdentifierAsync(identifier, source, _sources[index]!, cancellationToken);
        if (lookup.IsCompletedSuccessfully)
        {
            var tenant = lookup.Result;
            return tenant is not null
                ? new ValueTask<TenantResolution>(TenantResolution.Resolved(tenant, index))
                : Fail(TenantIdentifier.IsValid(identifier.Span) ? TenantResolutionStatus.NotFound : TenantResolutionStatus.InvalidIdentifier, index);
        }

        return AwaitLookupAsync(lookup, index);
    }

    private async ValueTask<TenantResolution> AwaitLookupAsync(ValueTask<TenantInfo?> lookup, int index)
    {
        try
        {
            var tenant = await lookup.ConfigureAwait(false);
            return tenant is null
                ? await Fail(TenantResolutionStatus.NotFound, index).ConfigureAwait(false)
                : TenantResolution.Resolved(tenant, index);
        }
        catch (TenantCatalogUnavailableException ex)
        {
            _metrics.Unresolved(TenantResolutionStatus.CatalogUnavailable);
            return TenantResolution.Failed(TenantResolutionStatus.CatalogUnavailable, index, ex);
        }
    }

    private ValueTask<TenantResolution> Fail(TenantResolutionStatus status, int index)
    {
        _metrics.Unresolved(status);
        return new ValueTask<TenantResolution>(TenantResolution.Failed(status, index));
    }
}
