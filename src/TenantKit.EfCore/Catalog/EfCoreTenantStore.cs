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
internal sealed class EfCoreTenantStore : ITenantStore
{
    private readonly IDbContextFactory<TenantCatalogDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private volatile bool _created;

    public EfCoreTenantStore(IDbContextFactory<TenantCatalogDbContext> contexts, EfCoreTenantStoreOptions options, TimeProvider time)
    {
        _contexts = contexts;
        _time = time;
        _created = !options.CreateTables;
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
        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ThrowIfTakenAsync(db, tenant, cancellationToken).ConfigureAwait(false);
        db.Tenants.Add(ToRecord(tenant));
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
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

        using var db = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var record = ToRecord(tenant);
        int changed;
        try
        {
            changed = await db.Tenants
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
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A unique-index violation: another tenant has the new identifier.
            if (await db.Tenants.AsNoTracking().AnyAsync(t => t.Identifier == tenant.Identifier && t.Id != tenant.Id, cancellationToken).ConfigureAwait(false))
            {
                throw new TenantAlreadyExistsException($"Another tenant already has the identifier '{tenant.Identifier}'.", ex);
            }

            throw;
        }

        if (changed == 0)
        {
            throw await MissOrConflictAsync(db, tenant.Id, expectedVersion, cancellationToken).ConfigureAwait(false);
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
            var deleted = await db.Tenants.Where(t => t.Id == id && t.Version == expectedVersion).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            if (deleted == 0)
            {
                throw await MissOrConflictAsync(db, id, expectedVersion, cancellationToken).ConfigureAwait(false);
            }

            db.DeletedTenants.Add(new DeletedTenantRecord { Id = id, DeletedAt = _time.GetUtcNow() });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
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
                    await SchemaTables.EnsureCreatedAsync(db, cancellationToken).ConfigureAwait(false);
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
