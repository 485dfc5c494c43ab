namespace TenantKit.Tests.Support;

/// <summary>
/// A real in-memory store with knobs for tests: it counts identifier lookups, can hold every lookup on a gate until
/// released, and can fail every call with a given exception (a store that is down).
/// </summary>
internal sealed class ControllableTenantStore : ITenantStore
{
    private readonly object _sync = new();
    private int _identifierLookups;
    private TaskCompletionSource? _gate;
    private TaskCompletionSource _lookupStarted = NewSignal();
    private Exception? _failure;

    public ControllableTenantStore(params TenantInfo[] tenants)
    {
        Inner = new InMemoryTenantStore(tenants);
    }

    /// <summary>The real store behind the knobs; writing to it does not publish change events.</summary>
    public InMemoryTenantStore Inner { get; }

    public bool IsReadOnly => false;

    /// <summary>How many times <see cref="FindByIdentifierAsync"/> was called.</summary>
    public int IdentifierLookups => Volatile.Read(ref _identifierLookups);

    /// <summary>Completes when the next identifier lookup starts (after <see cref="ResetLookupStarted"/>).</summary>
    public Task LookupStarted
    {
        get
        {
            lock (_sync)
            {
                return _lookupStarted.Task;
            }
        }
    }

    public void ResetLookupStarted()
    {
        lock (_sync)
        {
            _lookupStarted = NewSignal();
        }
    }

    /// <summary>Holds every lookup until <see cref="Release"/>.</summary>
    public void Block()
    {
        lock (_sync)
        {
            _gate = NewSignal();
        }
    }

    public void Release()
    {
        TaskCompletionSource? gate;
        lock (_sync)
        {
            gate = _gate;
            _gate = null;
        }

        gate?.TrySetResult();
    }

    /// <summary>
    /// When set, a lookup reads the tenant first and then waits on the gate: the answer it returns may be out of date
    /// by then, as a store's answer in flight is while the catalog changes.
    /// </summary>
    public bool HoldAfterReading { get; set; }

    /// <summary>Makes every call throw <paramref name="failure"/>; <see langword="null"/> heals the store.</summary>
    public void FailWith(Exception? failure) => Volatile.Write(ref _failure, failure);

    public async ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _identifierLookups);
        TenantInfo? read = null;
        if (HoldAfterReading)
        {
            read = await Inner.FindByIdentifierAsync(identifier, cancellationToken);
        }

        Task? gate;
        lock (_sync)
        {
            _lookupStarted.TrySetResult();
            gate = _gate?.Task;
        }

        if (gate is not null)
        {
            await gate;
        }

        ThrowIfFailing();
        return HoldAfterReading ? read : await Inner.FindByIdentifierAsync(identifier, cancellationToken);
    }

    public ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        return Inner.FindByIdAsync(id, cancellationToken);
    }

    public ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        return Inner.ListAsync(query, cancellationToken);
    }

    public ValueTask<TenantInfo> AddAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        return Inner.AddAsync(tenant, cancellationToken);
    }

    public ValueTask<TenantInfo> UpdateAsync(TenantInfo tenant, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        return Inner.UpdateAsync(tenant, expectedVersion, cancellationToken);
    }

    public ValueTask DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        return Inner.DeleteAsync(id, expectedVersion, cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void ThrowIfFailing()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw failure;
        }
    }
}
