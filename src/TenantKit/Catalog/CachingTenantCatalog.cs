using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Diagnostics;
using TenantKit.Internal;

namespace TenantKit.Catalog;

/// <summary>
/// The catalog cache in front of the store. Hits are looked up with a span (no allocation); misses for one identifier
/// share one store call; unknown identifiers are cached negatively (bounded); catalog changes evict at once; store
/// failures fall back to stale entries, and otherwise surface as <see cref="TenantCatalogUnavailableException"/>.
/// </summary>
internal sealed class CachingTenantCatalog : ITenantCatalog, IDisposable
{
    private readonly ITenantStore _store;
    private readonly CoarseClock _clock;
    private readonly TenantKitMetrics _metrics;
    private readonly ILogger _logger;
    private readonly long _entryTicks;
    private readonly long _negativeTicks;
    private readonly long _staleTicks;
    private readonly long _retryTicks;
    private readonly int _maxNegative;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly ConcurrentDictionary<string, Task<TenantInfo?>> _inflight = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;
    private readonly ITimer _purgeTimer;
    private readonly RecentLookups<Entry> _recent = new();
    private long _epoch;
    private int _negativeCount;

    public CachingTenantCatalog(
        ITenantStore store,
        ITenantChangeFeed changes,
        IOptions<TenantCatalogOptions> options,
        TimeProvider time,
        TenantKitMetrics metrics,
        ILogger<CachingTenantCatalog> logger)
    {
        _store = store;
        _clock = new CoarseClock(time);
        _metrics = metrics;
        _logger = logger;
        var o = options.Value;
        _entryTicks = _clock.ToTicks(o.EntryLifetime);
        _negativeTicks = _clock.ToTicks(o.NegativeEntryLifetime);
        _staleTicks = _clock.ToTicks(o.MaxStaleness);
        _retryTicks = _clock.ToTicks(o.StoreRetryInterval);
        _maxNegative = o.MaxNegativeEntries;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        _subscription = changes.Subscribe(OnChange);
        var purgeEvery = TimeSpan.FromMinutes(1);
        _purgeTimer = time.CreateTimer(static s => ((CachingTenantCatalog)s!).Purge(), this, purgeEvery, purgeEvery);
    }

    /// <summary>How many identifiers are cached (found and unknown). For tests and diagnostics.</summary>
    internal int Count => _entries.Count;

    internal int NegativeCount => Volatile.Read(ref _negativeCount);

    public ValueTask<TenantInfo?> FindByIdentifierAsync(ReadOnlyMemory<char> identifier, CancellationToken cancellationToken = default)
        => Find(identifier, null, null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>A cached tenant found is remembered by the source's text and reader for <see cref="TryRecall"/>.</remarks>
    public ValueTask<TenantInfo?> FindByIdentifierAsync(ReadOnlyMemory<char> identifier, string source, object reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(reader);
        return Find(identifier, source, reader, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Any change reaching this catalog moves its epoch, so nothing remembered before it is recalled.</remarks>
    public bool TryRecall(string source, object reader, [NotNullWhen(true)] out TenantInfo? tenant)
    {
        if (_recent.TryGet(source, reader, Volatile.Read(ref _epoch), out var entry) && _clock.Now() < entry.ExpiresAt)
        {
            _metrics.CatalogLookup(TenantKitMetrics.Hit);
            tenant = entry.Tenant!;
            return true;
        }

        tenant = null;
        return false;
    }

    private ValueTask<TenantInfo?> Find(ReadOnlyMemory<char> identifier, string? source, object? reader, CancellationToken cancellationToken)
    {
        var span = identifier.Span;
        if (!TenantIdentifier.IsValid(span))
        {
            return new ValueTask<TenantInfo?>((TenantInfo?)null);
        }

        // Read before the entry: a change landing after this read moves the epoch, so an answer remembered under it is
        // never recalled.
        var epoch = Volatile.Read(ref _epoch);
        if (_lookup.TryGetValue(span, out var entry) && _clock.Now() < entry.ExpiresAt)
        {
            if (source is not null && entry.Tenant is not null)
            {
                _recent.Remember(source, reader!, entry, epoch);
            }

            _metrics.CatalogLookup(entry.Tenant is null ? TenantKitMetrics.NegativeHit : TenantKitMetrics.Hit);
            return new ValueTask<TenantInfo?>(entry.Tenant);
        }

        return LoadAsync(ToKey(span), cancellationToken);
    }

    public async ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        try
        {
            return await _store.FindByIdAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            _metrics.StoreError();
            throw new TenantCatalogUnavailableException($"The tenant store failed while looking up tenant id '{TenantIdentifier.ToDisplay(id)}'.", ex);
        }
    }

    public async ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        try
        {
            return await _store.ListAsync(query, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            _metrics.StoreError();
            throw new TenantCatalogUnavailableException("The tenant store failed while listing tenants.", ex);
        }
    }

    public void Invalidate(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        // The epoch moves before the entries change (a store answer fetched before is not cached) and after (a
        // tenant recalled while they were changing is not recalled again).
        Interlocked.Increment(ref _epoch);
        Remove(identifier);
        _inflight.TryRemove(identifier, out _);
        Interlocked.Increment(ref _epoch);
    }

    /// <summary>The cached tenant under <paramref name="identifier"/> (expired or not), without asking the store; <see langword="null"/> when none or unknown.</summary>
    internal TenantInfo? PeekCached(string identifier)
        => _entries.TryGetValue(identifier, out var entry) ? entry.Tenant : null;

    /// <summary>Drops every cached tenant and unknown identifier: the next lookups ask the store.</summary>
    internal void Clear()
    {
        Interlocked.Increment(ref _epoch);
        foreach (var (key, _) in _entries)
        {
            Remove(key);
        }

        _inflight.Clear();
        Interlocked.Increment(ref _epoch);
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _purgeTimer.Dispose();
    }

    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken)
        => ex is not TenantKitException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static string ToKey(ReadOnlySpan<char> identifier)
    {
        // Validated ASCII: lower-casing char by char is exact.
        return string.Create(identifier.Length, identifier, static (dest, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                dest[i] = char.ToLowerInvariant(source[i]);
            }
        });
    }

    private async ValueTask<TenantInfo?> LoadAsync(string key, CancellationToken cancellationToken)
    {
        var pending = new TaskCompletionSource<TenantInfo?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _inflight.GetOrAdd(key, pending.Task);
        if (task == pending.Task)
        {
            // Not awaited: the caller that starts the shared store call must be able to stop waiting on its own token
            // (an aborted request) while the store hangs. FetchAsync never throws; it completes `pending` either way.
            _metrics.CatalogLookup(TenantKitMetrics.Miss);
            _ = FetchAsync(key, pending);
        }

        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FetchAsync(string key, TaskCompletionSource<TenantInfo?> pending)
    {
        var epoch = Interlocked.Read(ref _epoch);
        try
        {
            // The store call is shared by every waiter, so no single caller's token may cancel it.
            var tenant = await _store.FindByIdentifierAsync(key, CancellationToken.None).ConfigureAwait(false);
            if (tenant is not null && !string.Equals(tenant.Identifier, key, StringComparison.Ordinal))
            {
                // A store that answers with another tenant is broken: refuse rather than serve the wrong tenant.
                throw new InvalidOperationException(
                    $"The tenant store returned tenant '{tenant.Identifier}' for identifier '{key}'.");
            }

            if (Interlocked.Read(ref _epoch) == epoch)
            {
                var stored = Store(key, tenant);
                if (stored is not null && Interlocked.Read(ref _epoch) != epoch)
                {
                    // A change arrived between the check above and the store: it may already have evicted this key,
                    // so the answer just cached could outlive it (a deleted tenant served on). Drop it.
                    RemoveExact(key, stored);
                }
            }

            pending.TrySetResult(tenant);
        }
        catch (Exception ex)
        {
            _metrics.StoreError();
            var now = _clock.Now();
            if (_entries.TryGetValue(key, out var stale) && stale.Tenant is not null && now < stale.StaleUntil)
            {
                Log.ServingStaleTenant(_logger, ex, key);
                _metrics.CatalogLookup(TenantKitMetrics.Stale);
                _entries.TryUpdate(key, stale with { ExpiresAt = Math.Min(CoarseClock.Later(now, _retryTicks), stale.StaleUntil) }, stale);
                pending.TrySetResult(stale.Tenant);
            }
            else
            {
                Log.StoreLookupFailed(_logger, ex, key);
                pending.TrySetException(new TenantCatalogUnavailableException(
                    $"The tenant store failed while looking up '{key}', and that tenant is not cached.", ex));
            }
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<string, Task<TenantInfo?>>(key, pending.Task));
        }
    }

    /// <summary>Caches a store answer; returns the entry it stored, or <see langword="null"/> when it stored nothing.</summary>
    private Entry? Store(string key, TenantInfo? tenant)
    {
        var now = _clock.Now();
        if (tenant is null)
        {
            if (_negativeTicks == 0)
            {
                return null;
            }

            // Reserve a place under the bound first, so concurrent misses cannot overshoot it together.
            if (Interlocked.Increment(ref _negativeCount) > _maxNegative)
            {
                Interlocked.Decrement(ref _negativeCount);
                return null;
            }

            var negative = new Entry(null, CoarseClock.Later(now, _negativeTicks), CoarseClock.Later(now, _negativeTicks));

            // Explicit compare-and-swap loops rather than AddOrUpdate: its factories may run more than once under
            // contention, and the negative count must move exactly once per entry that really changed.
            while (true)
            {
                if (_entries.TryGetValue(key, out var old))
                {
                    if (_entries.TryUpdate(key, negative, old))
                    {
                        if (old.Tenant is null)
                        {
                            // It replaced an unknown entry: the count already held it, release the reservation.
                            Interlocked.Decrement(ref _negativeCount);
                        }

                        return negative;
                    }
                }
                else if (_entries.TryAdd(key, negative))
                {
                    return negative;
                }
            }
        }

        var entry = Put(key, tenant, now);
        return ReferenceEquals(entry.Tenant, tenant) ? entry : null;
    }

    private Entry Put(string key, TenantInfo tenant, long now)
    {
        var entry = new Entry(tenant, CoarseClock.Later(now, _entryTicks), CoarseClock.Later(CoarseClock.Later(now, _entryTicks), _staleTicks));
        while (true)
        {
            if (_entries.TryGetValue(key, out var old))
            {
                if (old.Tenant is not null && old.Tenant.Id == tenant.Id && old.Tenant.Version > tenant.Version)
                {
                    return old;
                }

                if (_entries.TryUpdate(key, entry, old))
                {
                    if (old.Tenant is null)
                    {
                        Interlocked.Decrement(ref _negativeCount);
                    }

                    return entry;
                }
            }
            else if (_entries.TryAdd(key, entry))
            {
                return entry;
            }
        }
    }

    private void RemoveExact(string key, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)) && entry.Tenant is null)
        {
            Interlocked.Decrement(ref _negativeCount);
        }
    }

    private void Remove(string key)
    {
        if (_entries.TryRemove(key, out var removed) && removed.Tenant is null)
        {
            Interlocked.Decrement(ref _negativeCount);
        }
    }

    private void OnChange(TenantChange change)
    {
        Interlocked.Increment(ref _epoch);
        if (change.PreviousIdentifier is not null)
        {
            Remove(change.PreviousIdentifier);
            _inflight.TryRemove(change.PreviousIdentifier, out _);
        }

        _inflight.TryRemove(change.Identifier, out _);
        if (change.Tenant is null || change.Kind == TenantChangeKind.Deleted)
        {
            Remove(change.Identifier);
        }
        else
        {
            Put(change.Tenant.Identifier, change.Tenant, _clock.Now());
        }

        // Moved again once the entries changed, as in Invalidate.
        Interlocked.Increment(ref _epoch);
    }

    private void Purge()
    {
        var now = _clock.Now();
        foreach (var (key, entry) in _entries)
        {
            if (now >= entry.StaleUntil && _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)) && entry.Tenant is null)
            {
                Interlocked.Decrement(ref _negativeCount);
            }
        }
    }

    private sealed record Entry(TenantInfo? Tenant, long ExpiresAt, long StaleUntil);
}
