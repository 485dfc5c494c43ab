using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TenantKit.EfCore.Infrastructure;

namespace TenantKit.EfCore.Catalog;

/// <summary>
/// The tenant catalog in a database through EF Core (SQLite, PostgreSQL...), so many application nodes can share one.
/// Every write is guarded by the version stamp in the database itself (<c>UPDATE ... WHERE id = @id AND version =
/// @expected</c>), so of two nodes updating the same version, one wins and the other gets
/// <see cref="TenantConcurrencyException"/>. Identifiers are unique (a database index); ids are never reused
/// (deleted ids are kept). Errors reaching the database are thrown as they are: the catalog never turns them into
/// "not found".
/// </summary>
/// <remarks>
/// It is also the catalog's <see cref="ITenantChangeLog"/>: every write appends an entry to <c>tenantkit_changes</c> in
/// the same transaction, numbered from the single row of <c>tenantkit_catalog_version</c>, which the write increments
/// first. That row's lock serialises writers until they commit, so a version is handed out only after every lower one
/// has committed: versions become visible in commit order, and a node reading "after n" never misses a change that
/// commits late (a sequence would not give that: a transaction holding 5 may commit after the one holding 6). Writes to
/// the catalog are rare (host administration), so serialising them costs nothing that matters.
/// </remarks>
internal sealed class EfCoreTenantStore : ITenantStore, ITenantChangeLog
{
    private readonly IDbContextFactory<TenantCatalogDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private readonly int _changeLogSize;
    private volatile bool _created;

    public EfCoreTenantStore(IDbContextFactory<TenantCatalogDbContext> contexts, EfCoreTenantStoreOptions options, TimeProvider time)
    {
        _contexts = contexts;
        _time = time;
        _created = !options.CreateTables;
        _changeLogSize = options.ChangeLogSize;
    }

    public bool IsReadOnly => false;

    public async ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var record = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Identifier == identifier, cancellationToken).ConfigureAwait(false);
        return record is null ? null : ToTenant(record);
    }

    public async ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var record = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false);
        return record is null ? null : ToTenant(record);
    }

    public async ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
        IQueryable<TenantRecord> tenants = db.Tenants.AsNoTracking();
        if (query.State is { } state)
        {
            tenants = tenants.Where(t => t.State == (int)state);
        }

        if (query.Owner is { } owner)
        {
            tenants = tenants.Where(t => t.Owner == owner);
        }

        if (query.Region is { } region)
        {
            var lower = region.ToLowerInvariant();
            tenants = tenants.Where(t => t.Region == lower);
        }

        if (!string.IsNullOrEmpty(query.Search))
        {
            var search = query.Search.ToLowerInvariant();
            tenants = tenants.Where(t => t.Identifier.Contains(search) || t.Name.ToLower().Contains(search));
        }

        var total = await tenants.CountAsync(cancellationToken).ConfigureAwait(false);
        var page = await tenants.OrderBy(t => t.Identifier).Skip(query.Skip).Take(query.Take).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new TenantPage([.. page.Select(ToTenant)], total);
    }

    public async ValueTask<TenantInfo> AddAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        try
        {
            using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var version = await NextVersionAsync(db, cancellationToken).ConfigureAwait(false);
                await ThrowIfTakenAsync(db, tenant, cancellationToken).ConfigureAwait(false);
                db.Tenants.Add(ToRecord(tenant));
                db.Changes.Add(Change(version, TenantChangeKind.Created, tenant, null));
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await PruneAsync(db, version, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DbUpdateException)
        {
            // Another node may have taken the id or identifier since the check; if so, say that.
            using var check = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await ThrowIfTakenAsync(check, tenant, cancellationToken).ConfigureAwait(false);
            throw;
        }

        return tenant;
    }

    public async ValueTask<TenantInfo> UpdateAsync(TenantInfo tenant, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (tenant.Version <= expectedVersion)
        {
            throw new ArgumentException($"The new version ({tenant.Version}) must be greater than the expected one ({expectedVersion}).", nameof(tenant));
        }

        var record = ToRecord(tenant);
        Exception? failure = null;
        using (var db = await OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var version = await NextVersionAsync(db, cancellationToken).ConfigureAwait(false);

                // Read under the version row's lock: no other catalog write can change the tenant until this commits.
                var before = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant.Id)
                    .Select(t => new { t.Identifier, t.State, t.Version })
                    .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                if (before is null || before.Version != expectedVersion)
                {
                    throw before is null ? new TenantNotFoundException(tenant.Id) : new TenantConcurrencyException(tenant.Id, expectedVersion, before.Version);
                }

                try
                {
                    await db.Tenants
                        .Where(t => t.Id == tenant.Id && t.Version == expectedVersion)
                        .ExecuteUpdateAsync(
                            s => s.SetProperty(t => t.Identifier, record.Identifier)
                                .SetProperty(t => t.Name, record.Name)
                                .SetProperty(t => t.State, record.State)
                                .SetProperty(t => t.Region, record.Region)
                                .SetProperty(t => t.Owner, record.Owner)
                                .SetProperty(t => t.Properties, record.Properties)
                                .SetProperty(t => t.Version, record.Version)
                                .SetProperty(t => t.UpdatedAt, record.UpdatedAt),
                            cancellationToken)
                        .ConfigureAwait(false);
                    var kind = before.State == record.State ? TenantChangeKind.Updated
                        : record.State == (int)TenantState.Suspended ? TenantChangeKind.Suspended
                        : TenantChangeKind.Resumed;
                    db.Changes.Add(Change(version, kind, tenant, before.Identifier == record.Identifier ? null : before.Identifier));
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    await PruneAsync(db, version, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Most likely a unique-index violation (another tenant has the new identifier). PostgreSQL refuses
                    // every statement of a failed transaction: roll back, then find out on a fresh connection.
                    failure = ex;
                }
            }
        }

        if (failure is not null)
        {
            using var check = await OpenAsync(cancellationToken).ConfigureAwait(false);
            if (await check.Tenants.AsNoTracking().AnyAsync(t => t.Identifier == tenant.Identifier && t.Id != tenant.Id, cancellationToken).ConfigureAwait(false))
            {
                throw new TenantAlreadyExistsException($"Another tenant already has the identifier '{tenant.Identifier}'.", failure);
            }

            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return tenant;
    }

    public async ValueTask DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var version = await NextVersionAsync(db, cancellationToken).ConfigureAwait(false);
            var identifier = await db.Tenants.AsNoTracking().Where(t => t.Id == id && t.Version == expectedVersion)
                .Select(t => t.Identifier).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            var deleted = identifier is null ? 0
                : await db.Tenants.Where(t => t.Id == id && t.Version == expectedVersion).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            if (deleted == 0)
            {
                throw await MissOrConflictAsync(db, id, expectedVersion, cancellationToken).ConfigureAwait(false);
            }

            db.DeletedTenants.Add(new DeletedTenantRecord { Id = id, DeletedAt = _time.GetUtcNow() });
            db.Changes.Add(new TenantChangeRecord
            {
                Version = version,
                Kind = (int)TenantChangeKind.Deleted,
                TenantId = id,
                Identifier = identifier!,
                TenantVersion = expectedVersion,
                ChangedAt = _time.GetUtcNow(),
            });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await PruneAsync(db, version, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<long> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await db.CatalogVersion.AsNoTracking().Where(v => v.Id == CatalogVersionRecord.SingletonId)
            .Select(v => v.Version).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<TenantChangeLogPage> ReadChangesAsync(long afterVersion, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterVersion);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);

        // The entries first, the version row after: pruning deletes entries and raises PrunedThrough in one transaction,
        // so entries pruned before this read are always seen as pruned by the read that follows it.
        var records = await db.Changes.AsNoTracking().Where(c => c.Version > afterVersion).OrderBy(c => c.Version).Take(maxCount)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var state = await db.CatalogVersion.AsNoTracking().FirstOrDefaultAsync(v => v.Id == CatalogVersionRecord.SingletonId, cancellationToken).ConfigureAwait(false)
            ?? new CatalogVersionRecord();

        // Pruned past the reader, or the log is behind the reader (the database was replaced or restored): the reader
        // cannot know what changed.
        if (afterVersion < state.PrunedThrough || afterVersion > state.Version)
        {
            return new TenantChangeLogPage([], state.Version, isTruncated: true);
        }

        var entries = records.ConvertAll(r => new TenantChangeLogEntry(
            r.Version,
            new TenantChangeNotice((TenantChangeKind)r.Kind, r.TenantId, r.Identifier, r.PreviousIdentifier, r.TenantVersion)));
        return new TenantChangeLogPage(entries, entries.Count > 0 ? entries[^1].Version : afterVersion);
    }

    public async ValueTask AppendReloadAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var version = await NextVersionAsync(db, cancellationToken).ConfigureAwait(false);
            db.Changes.Add(Change(version, TenantChangeKind.ReloadRequested, tenant, null));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await PruneAsync(db, version, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal static TenantInfo ToTenant(TenantRecord record)
        => new(
            record.Id,
            record.Identifier,
            record.Name,
            (TenantState)record.State,
            record.Region,
            record.Owner,
            JsonSerializer.Deserialize<Dictionary<string, string>>(record.Properties),
            record.Version,
            record.CreatedAt,
            record.UpdatedAt);

    internal static TenantRecord ToRecord(TenantInfo tenant) => new()
    {
        Id = tenant.Id,
        Identifier = tenant.Identifier,
        Name = tenant.Name,
        State = (int)tenant.State,
        Region = tenant.Region,
        Owner = tenant.Owner,
        Properties = JsonSerializer.Serialize(new SortedDictionary<string, string>(tenant.Properties.ToDictionary(), StringComparer.Ordinal)),
        Version = tenant.Version,
        CreatedAt = tenant.CreatedAt.ToUniversalTime(),
        UpdatedAt = tenant.UpdatedAt.ToUniversalTime(),
    };

    /// <summary>
    /// Takes the next catalog version: increments the version row (locking it until the transaction ends, which
    /// serialises catalog writers) and reads it back.
    /// </summary>
    private static async Task<long> NextVersionAsync(TenantCatalogDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.CatalogVersion.Where(v => v.Id == CatalogVersionRecord.SingletonId)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Version, v => v.Version + 1), cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            throw new InvalidOperationException(
                "The catalog version row is missing from tenantkit_catalog_version (id 1). Insert it (id 1, version 0, pruned_through 0), or let the store create its tables.");
        }

        return await db.CatalogVersion.AsNoTracking().Where(v => v.Id == CatalogVersionRecord.SingletonId)
            .Select(v => v.Version).FirstAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps the last <see cref="EfCoreTenantStoreOptions.ChangeLogSize"/> entries; prunes in batches, not on every write.</summary>
    private async Task PruneAsync(TenantCatalogDbContext db, long version, CancellationToken cancellationToken)
    {
        var batch = Math.Max(1, Math.Min(100, _changeLogSize / 10));
        var through = version - _changeLogSize;
        if (through <= 0 || version % batch != 0)
        {
            return;
        }

        await db.Changes.Where(c => c.Version <= through).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await db.CatalogVersion.Where(v => v.Id == CatalogVersionRecord.SingletonId && v.PrunedThrough < through)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.PrunedThrough, through), cancellationToken).ConfigureAwait(false);
    }

    private TenantChangeRecord Change(long version, TenantChangeKind kind, TenantInfo tenant, string? previousIdentifier) => new()
    {
        Version = version,
        Kind = (int)kind,
        TenantId = tenant.Id,
        Identifier = tenant.Identifier,
        PreviousIdentifier = previousIdentifier,
        TenantVersion = tenant.Version,
        ChangedAt = _time.GetUtcNow(),
    };

    private static async Task ThrowIfTakenAsync(TenantCatalogDbContext db, TenantInfo tenant, CancellationToken cancellationToken)
    {
        if (await db.Tenants.AsNoTracking().AnyAsync(t => t.Id == tenant.Id, cancellationToken).ConfigureAwait(false)
            || await db.DeletedTenants.AsNoTracking().AnyAsync(t => t.Id == tenant.Id, cancellationToken).ConfigureAwait(false))
        {
            throw new TenantAlreadyExistsException($"A tenant with the id '{tenant.Id}' exists or existed; ids are never reused.");
        }

        if (await db.Tenants.AsNoTracking().AnyAsync(t => t.Identifier == tenant.Identifier, cancellationToken).ConfigureAwait(false))
        {
            throw new TenantAlreadyExistsException($"A tenant with the identifier '{tenant.Identifier}' already exists.");
        }
    }

    private static async Task<Exception> MissOrConflictAsync(TenantCatalogDbContext db, string id, long expectedVersion, CancellationToken cancellationToken)
    {
        var actual = await db.Tenants.AsNoTracking().Where(t => t.Id == id).Select(t => (long?)t.Version).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return actual is { } version ? new TenantConcurrencyException(id, expectedVersion, version) : new TenantNotFoundException(id);
    }

    private async Task<TenantCatalogDbContext> OpenAsync(CancellationToken cancellationToken)
    {
        var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (!_created)
        {
            await _createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_created)
                {
                    // The catalog's tables are TenantKit's: a catalog created by an earlier version (before the change
                    // log) gets the tables it lacks.
                    await SchemaTables.EnsureCreatedAsync(db, cancellationToken, addMissingTables: true).ConfigureAwait(false);
                    _created = true;
                }
            }
            catch
            {
                await db.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                _createGate.Release();
            }
        }

        return db;
    }
}
