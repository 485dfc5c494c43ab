namespace TenantKit.Tests.Support;

/// <summary>
/// An in-memory store with a change log, shared by several "nodes" (service providers) in a test, like a database they
/// all reach. It can be made to fail (a store that is down) and can prune its log (to test truncation).
/// </summary>
internal sealed class LoggedTenantStore : ITenantStore, ITenantChangeLog
{
    private readonly Lock _gate = new();
    private readonly InMemoryTenantStore _inner;
    private readonly List<TenantChangeLogEntry> _log = [];
    private long _version;
    private long _prunedThrough;
    private volatile Exception? _failure;

    public LoggedTenantStore(params TenantInfo[] tenants)
    {
        _inner = new InMemoryTenantStore(tenants);
    }

    public bool IsReadOnly => false;

    public int ChangeReads { get; private set; }

    public void Fail(Exception failure) => _failure = failure;

    public void Recover() => _failure = null;

    /// <summary>Forgets every log entry so far.</summary>
    public void Prune()
    {
        lock (_gate)
        {
            _log.Clear();
            _prunedThrough = _version;
        }
    }

    public ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        return _inner.FindByIdentifierAsync(identifier, cancellationToken);
    }

    public ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        return _inner.FindByIdAsync(id, cancellationToken);
    }

    public ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        return _inner.ListAsync(query, cancellationToken);
    }

    public async ValueTask<TenantInfo> AddAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        var added = await _inner.AddAsync(tenant, cancellationToken);
        Append(new TenantChangeNotice(TenantChangeKind.Created, added.Id, added.Identifier, null, added.Version));
        return added;
    }

    public async ValueTask<TenantInfo> UpdateAsync(TenantInfo tenant, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        var before = await _inner.FindByIdAsync(tenant.Id, cancellationToken);
        var saved = await _inner.UpdateAsync(tenant, expectedVersion, cancellationToken);
        var kind = before!.State == saved.State ? TenantChangeKind.Updated : saved.IsActive ? TenantChangeKind.Resumed : TenantChangeKind.Suspended;
        Append(new TenantChangeNotice(kind, saved.Id, saved.Identifier, before.Identifier == saved.Identifier ? null : before.Identifier, saved.Version));
        return saved;
    }

    public async ValueTask DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        var before = await _inner.FindByIdAsync(id, cancellationToken);
        await _inner.DeleteAsync(id, expectedVersion, cancellationToken);
        Append(new TenantChangeNotice(TenantChangeKind.Deleted, id, before!.Identifier, null, expectedVersion));
    }

    public ValueTask<long> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        lock (_gate)
        {
            return new ValueTask<long>(_version);
        }
    }

    public ValueTask<TenantChangeLogPage> ReadChangesAsync(long afterVersion, int maxCount, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        lock (_gate)
        {
            ChangeReads++;
            if (afterVersion < _prunedThrough || afterVersion > _version)
            {
                return new ValueTask<TenantChangeLogPage>(new TenantChangeLogPage([], _version, isTruncated: true));
            }

            var entries = _log.Where(e => e.Version > afterVersion).Take(maxCount).ToList();
            return new ValueTask<TenantChangeLogPage>(new TenantChangeLogPage(entries, entries.Count > 0 ? entries[^1].Version : afterVersion));
        }
    }

    public ValueTask AppendReloadAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ThrowIfFailing();
        Append(new TenantChangeNotice(TenantChangeKind.ReloadRequested, tenant.Id, tenant.Identifier, null, tenant.Version));
        return ValueTask.CompletedTask;
    }

    private void Append(TenantChangeNotice notice)
    {
        lock (_gate)
        {
            _log.Add(new TenantChangeLogEntry(++_version, notice));
        }
    }

    private void ThrowIfFailing()
    {
        if (_failure is { } failure)
        {
            throw failure;
        }
    }
}
