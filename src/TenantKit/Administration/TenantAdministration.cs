using Microsoft.Extensions.Logging;

namespace TenantKit.Administration;

/// <summary>The host-only administration service over the store.</summary>
internal sealed class TenantAdministration(
    ITenantStore store,
    ITenantChangeFeed changes,
    ITenantContextAccessor context,
    TenantIdentifierPolicy identifiers,
    Features.TenantFeatureRegistry features,
    TimeProvider time,
    ILogger<TenantAdministration> logger) : ITenantAdministration
{
    private const int MaxConflictRetries = 5;

    public async ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        EnsureHost("listing tenants");
        return await Store(s => s.ListAsync(query, cancellationToken)).ConfigureAwait(false);
    }

    public async ValueTask<TenantInfo?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        EnsureHost("reading a tenant");
        return await Store(s => s.FindByIdAsync(id, cancellationToken)).ConfigureAwait(false);
    }

    public async ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        EnsureHost("reading a tenant");
        if (!TenantIdentifier.TryNormalize(identifier, out var normalized))
        {
            return null;
        }

        return await Store(s => s.FindByIdentifierAsync(normalized, cancellationToken)).ConfigureAwait(false);
    }

    public async ValueTask<TenantInfo> CreateAsync(TenantDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        EnsureHost("creating a tenant");
        var tenant = draft.ToTenant(time.GetUtcNow());
        features.Check(tenant.Properties);
        await identifiers.EnsureAllowedAsync(tenant, store, cancellationToken).ConfigureAwait(false);
        var created = await Store(s => s.AddAsync(tenant, cancellationToken)).ConfigureAwait(false);
        Log.HostChangedTenant(logger, "created", created.Identifier, created.Id, created.Version);
        changes.Publish(new TenantChange(TenantChangeKind.Created, created.Id, created.Identifier, created));
        return created;
    }

    public async ValueTask<TenantInfo> UpdateAsync(string id, TenantUpdate update, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(update);
        EnsureHost("updating a tenant");
        var current = await Require(id, cancellationToken).ConfigureAwait(false);
        if (current.Version != expectedVersion)
        {
            throw new TenantConcurrencyException(id, expectedVersion, current.Version);
        }

        var next = current.With(
            identifier: update.Identifier,
            name: update.Name,
            region: update.Region is null ? default : new Optional<string?>(update.Region),
            owner: update.Owner is null ? default : new Optional<string?>(update.Owner),
            properties: update.Properties,
            version: current.Version + 1,
            updatedAt: time.GetUtcNow());
        if (update.Properties is not null && FeaturesChanged(current, next))
        {
            features.Check(next.Properties);
        }

        if (next.Identifier != current.Identifier)
        {
            await identifiers.EnsureAllowedAsync(next, store, cancellationToken).ConfigureAwait(false);
        }

        var saved = await Store(s => s.UpdateAsync(next, expectedVersion, cancellationToken)).ConfigureAwait(false);
        Log.HostChangedTenant(logger, "updated", saved.Identifier, saved.Id, saved.Version);
        changes.Publish(new TenantChange(
            TenantChangeKind.Updated, saved.Id, saved.Identifier, saved,
            current.Identifier == saved.Identifier ? null : current.Identifier));
        return saved;
    }

    public ValueTask<TenantInfo> SuspendAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default)
        => ChangeStateAsync(id, TenantState.Suspended, expectedVersion, cancellationToken);

    public ValueTask<TenantInfo> ResumeAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default)
        => ChangeStateAsync(id, TenantState.Active, expectedVersion, cancellationToken);

    public async ValueTask DeleteAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        EnsureHost("deleting a tenant");
        for (var attempt = 0; ; attempt++)
        {
            var current = await Require(id, cancellationToken).ConfigureAwait(false);
            var version = expectedVersion ?? current.Version;
            try
            {
                await Store(async s =>
                {
                    await s.DeleteAsync(id, version, cancellationToken).ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
            }
            catch (TenantConcurrencyException) when (expectedVersion is null && attempt < MaxConflictRetries)
            {
                continue;
            }

            Log.HostChangedTenant(logger, "deleted", current.Identifier, current.Id, current.Version);
            changes.Publish(new TenantChange(TenantChangeKind.Deleted, current.Id, current.Identifier, null));
            return;
        }
    }

    public async ValueTask RequestReloadAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        EnsureHost("reloading a tenant");
        var current = await Require(id, cancellationToken).ConfigureAwait(false);
        if (store is ITenantChangeLog log)
        {
            // Recorded, so that nodes missing the feed's message catch the reload up by polling.
            await Store(async _ =>
            {
                await log.AppendReloadAsync(current, cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }

        Log.HostChangedTenant(logger, "requested a reload of", current.Identifier, current.Id, current.Version);
        changes.Publish(new TenantChange(TenantChangeKind.ReloadRequested, current.Id, current.Identifier, current));
    }

    private async ValueTask<TenantInfo> ChangeStateAsync(string id, TenantState state, long? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var action = state == TenantState.Suspended ? "suspended" : "resumed";
        EnsureHost(state == TenantState.Suspended ? "suspending a tenant" : "resuming a tenant");
        for (var attempt = 0; ; attempt++)
        {
            var current = await Require(id, cancellationToken).ConfigureAwait(false);
            if (expectedVersion is { } expected && current.Version != expected)
            {
                throw new TenantConcurrencyException(id, expected, current.Version);
            }

            if (current.State == state)
            {
                return current;
            }

            var next = current.With(state: state, version: current.Version + 1, updatedAt: time.GetUtcNow());
            TenantInfo saved;
            try
            {
                saved = await Store(s => s.UpdateAsync(next, current.Version, cancellationToken)).ConfigureAwait(false);
            }
            catch (TenantConcurrencyException) when (expectedVersion is null && attempt < MaxConflictRetries)
            {
                continue;
            }

            Log.HostChangedTenant(logger, action, saved.Identifier, saved.Id, saved.Version);
            changes.Publish(new TenantChange(
                state == TenantState.Suspended ? TenantChangeKind.Suspended : TenantChangeKind.Resumed,
                saved.Id, saved.Identifier, saved));
            return saved;
        }
    }

    private static bool FeaturesChanged(TenantInfo current, TenantInfo next)
        => current.GetProperty(Features.TenantFeatureProperties.Plan) != next.GetProperty(Features.TenantFeatureProperties.Plan)
            || current.GetProperty(Features.TenantFeatureProperties.Features) != next.GetProperty(Features.TenantFeatureProperties.Features);

    private async ValueTask<TenantInfo> Require(string id, CancellationToken cancellationToken)
        => await Store(s => s.FindByIdAsync(id, cancellationToken)).ConfigureAwait(false) ?? throw new TenantNotFoundException(id);

    private async ValueTask<T> Store<T>(Func<ITenantStore, ValueTask<T>> call)
    {
        try
        {
            return await call(store).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not TenantKitException and not OperationCanceledException and not ArgumentException)
        {
            throw new TenantCatalogUnavailableException("The tenant store failed: " + ex.Message, ex);
        }
    }

    private void EnsureHost(string operation)
    {
        var current = context.Current;
        if (current is { IsHost: true })
        {
            return;
        }

        var reason = current is null
            ? $"{operation} is reserved to the host, and no host scope is active. Wrap the call in 'using (accessor.BeginHostScope())' where the host acts."
            : $"{operation} is reserved to the host; the calling code runs as tenant '{current.Tenant!.Identifier}'.";
        Log.HostScopeRefused(logger, operation, reason);
        throw new HostScopeRequiredException(char.ToUpperInvariant(reason[0]) + reason[1..]);
    }
}
