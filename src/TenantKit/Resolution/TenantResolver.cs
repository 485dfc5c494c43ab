using TenantKit.Diagnostics;
using TenantKit.Runtime;

namespace TenantKit.Resolution;

/// <summary>Runs the strategies declared for <typeparamref name="TContext"/> in order, then asks the catalog.</summary>
internal sealed class TenantResolver<TContext> : ITenantResolver<TContext>
{
    private readonly ITenantStrategy<TContext>[] _strategies;
    private readonly ITenantCatalog _catalog;
    private readonly TenantKitMetrics _metrics;

    public TenantResolver(IServiceProvider services, TenantServicesConfiguration configuration, ITenantCatalog catalog, TenantKitMetrics metrics)
    {
        _catalog = catalog;
        _metrics = metrics;
        var strategies = new List<ITenantStrategy<TContext>>();
        foreach (var registration in configuration.Strategies)
        {
            var instance = registration.Create(services);
            if (instance is ITenantStrategy<TContext> strategy)
            {
                strategies.Add(strategy);
            }
            else if (instance is StaticTenantStrategy fixedAnswer)
            {
                // A static strategy answers for any context, value types included.
                strategies.Add(fixedAnswer.For<TContext>());
            }
        }

        _strategies = [.. strategies];
    }

    internal int StrategyCount => _strategies.Length;

    public ValueTask<TenantResolution> ResolveAsync(TContext context, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < _strategies.Length; i++)
        {
            var pending = _strategies[i].GetIdentifierAsync(context, cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                return ResolveSlowAsync(context, i, pending, cancellationToken);
            }

            var identifier = pending.Result;
            if (!identifier.IsEmpty)
            {
                return Lookup(identifier, i, cancellationToken);
            }
        }

        return Fail(TenantResolutionStatus.NoIdentifier, -1);
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
                return await Lookup(identifier, i, cancellationToken).ConfigureAwait(false);
            }
        }

        return await Fail(TenantResolutionStatus.NoIdentifier, -1).ConfigureAwait(false);
    }

    private ValueTask<TenantResolution> Lookup(ReadOnlyMemory<char> identifier, int index, CancellationToken cancellationToken)
    {
        // The catalog answers null at once for an invalid identifier; validating only on a miss keeps the hit path to
        // one validation (the catalog's).
        var lookup = _catalog.FindByIdentifierAsync(identifier, cancellationToken);
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
