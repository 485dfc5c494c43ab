using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace TenantKit.Stores;

/// <summary>
/// A read-only store over a configuration section (typically <c>TenantKit:Tenants</c> in <c>appsettings.json</c>).
/// Each child is a tenant, keyed by identifier (or an array of objects with an <c>Identifier</c>):
/// <code>
/// "TenantKit": { "Tenants": { "acme": { "Name": "Acme", "Region": "eu", "Properties": { "Plan": "gold" } } } }
/// </code>
/// When the configuration reloads (the file changed), the store diffs the tenants and announces each change on the
/// change feed. An invalid reload is logged and ignored: the previous tenants stay in effect. A reload that would
/// remove every tenant is applied only if the section still lists none <see cref="EmptyConfirmationDelay"/> later:
/// an editor's save or a Kubernetes ConfigMap update replaces the file, and a reload in between reads it as empty.
/// </summary>
internal sealed class ConfigurationTenantStore : ITenantStore, IDisposable
{
    private readonly IConfiguration _section;
    private readonly ITenantChangeFeed _changes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDisposable _reloadRegistration;
    private readonly Lock _reloadGate = new();
    private Snapshot _snapshot;
    private ITimer? _emptyConfirmation;
    private int _emptyConfirmationId;
    private bool _disposed;

    public ConfigurationTenantStore(IConfiguration section, ITenantChangeFeed changes, TimeProvider time, ILogger<ConfigurationTenantStore> logger)
    {
        _section = section;
        _changes = changes;
        _time = time;
        _logger = logger;
        _snapshot = Parse(section, previous: null, time.GetUtcNow());
        _reloadRegistration = ChangeToken.OnChange(section.GetReloadToken, Reload);
    }

    /// <summary>How long a reload that lists no tenant waits for the section to list tenants again before it applies.</summary>
    internal static TimeSpan EmptyConfirmationDelay { get; } = TimeSpan.FromSeconds(2);

    public bool IsReadOnly => true;

    public ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default)
        => new(Volatile.Read(ref _snapshot).ByIdentifier.GetValueOrDefault(identifier));

    public ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
        => new(Volatile.Read(ref _snapshot).ById.GetValueOrDefault(id));

    public ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var matching = Volatile.Read(ref _snapshot).Ordered.Where(query.Matches).ToList();
        return new(new TenantPage(matching.Skip(query.Skip).Take(query.Take).ToList(), matching.Count));
    }

    public ValueTask<TenantInfo> AddAsync(TenantInfo tenant, CancellationToken cancellationToken = default) => throw ReadOnly();

    public ValueTask<TenantInfo> UpdateAsync(TenantInfo tenant, long expectedVersion, CancellationToken cancellationToken = default) => throw ReadOnly();

    public ValueTask DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default) => throw ReadOnly();

    public void Dispose()
    {
        _reloadRegistration.Dispose();
        lock (_reloadGate)
        {
            _disposed = true;
            _emptyConfirmation?.Dispose();
            _emptyConfirmation = null;
        }
    }

    /// <summary>Re-reads the section; for the reload token and for tests.</summary>
    internal void Reload() => Reload(confirmation: 0);

    /// <summary>
    /// Re-reads the section. <paramref name="confirmation"/> is 0 for a reload, else the id of the confirmation timer
    /// that calls it: only the current one may apply an empty section.
    /// </summary>
    private void Reload(int confirmation)
    {
        List<TenantChange> changes;
        lock (_reloadGate)
        {
            if (_disposed || (confirmation != 0 && confirmation != _emptyConfirmationId))
            {
                return;
            }

            var previous = Volatile.Read(ref _snapshot);
            Snapshot next;
            try
            {
                next = Parse(_section, previous, _time.GetUtcNow());
            }
            catch (TenantValidationException ex)
            {
                Log.ConfigurationStoreInvalid(_logger, ex);
                return;
            }

            if (next.Ordered.Count == 0 && previous.Ordered.Count > 0 && confirmation == 0)
            {
                // Removing every tenant waits: if this is a file caught mid-replacement, the next read lists them again.
                if (_emptyConfirmation is null)
                {
                    Log.ConfigurationStoreEmptied(_logger, previous.Ordered.Count, EmptyConfirmationDelay);
                    var id = ++_emptyConfirmationId;
                    _emptyConfirmation = _time.CreateTimer(
                        static state =>
                        {
                            var (store, id) = ((ConfigurationTenantStore, int))state!;
                            store.Reload(id);
                        },
                        (this, id),
                        EmptyConfirmationDelay,
                        Timeout.InfiniteTimeSpan);
                }

                return;
            }

            // Whatever this read found is in effect now: a pending confirmation has nothing left to confirm.
            _emptyConfirmation?.Dispose();
            _emptyConfirmation = null;
            _emptyConfirmationId++;
            changes = Diff(previous, next);
            Volatile.Write(ref _snapshot, next);
        }

        var created = 0;
        var deleted = 0;
        foreach (var change in changes)
        {
            created += change.Kind == TenantChangeKind.Created ? 1 : 0;
            deleted += change.Kind == TenantChangeKind.Deleted ? 1 : 0;
            _changes.Publish(change);
        }

        Log.ConfigurationStoreReloaded(_logger, created, changes.Count - created - deleted, deleted);
    }

    private static TenantCatalogReadOnlyException ReadOnly()
        => new("The configuration tenant store is read-only: change the configuration file, or use a writable store (in-memory, EF Core).");

    private static List<TenantChange> Diff(Snapshot previous, Snapshot next)
    {
        var changes = new List<TenantChange>();
        foreach (var tenant in next.Ordered)
        {
            if (!previous.ById.TryGetValue(tenant.Id, out var old))
            {
                changes.Add(new TenantChange(TenantChangeKind.Created, tenant.Id, tenant.Identifier, tenant));
            }
            else if (old.Version != tenant.Version)
            {
                var kind = old.State == tenant.State ? TenantChangeKind.Updated
                    : tenant.State == TenantState.Suspended ? TenantChangeKind.Suspended : TenantChangeKind.Resumed;
                changes.Add(new TenantChange(kind, tenant.Id, tenant.Identifier, tenant,
                    old.Identifier == tenant.Identifier ? null : old.Identifier));
            }
        }

        foreach (var old in previous.Ordered)
        {
            if (!next.ById.ContainsKey(old.Id))
            {
                changes.Add(new TenantChange(TenantChangeKind.Deleted, old.Id, old.Identifier, null));
            }
        }

        return changes;
    }

    private static Snapshot Parse(IConfiguration section, Snapshot? previous, DateTimeOffset now)
    {
        var path = section is IConfigurationSection s ? s.Path : "(root)";
        var tenants = new List<TenantInfo>();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var identifiers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in section.GetChildren())
        {
            var field = $"{path}:{child.Key}";
            try
            {
                var identifier = child["Identifier"] ?? (int.TryParse(child.Key, out _) ? null : child.Key);
                if (identifier is null)
                {
                    throw new TenantValidationException("identifier", "is required for tenants listed in an array.");
                }

                var normalized = TenantIdentifier.Normalize(identifier);
                var id = child["Id"] ?? normalized;
                var stateText = child["State"];
                var state = TenantState.Active;
                if (stateText is not null && (!Enum.TryParse(stateText, ignoreCase: true, out state) || !Enum.IsDefined(state)))
                {
                    throw new TenantValidationException("state", $"'{TenantIdentifier.ToDisplay(stateText)}' is not a tenant state (Active, Suspended).");
                }

                var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                var propertySection = child.GetSection("Properties");
                foreach (var (key, value) in propertySection.AsEnumerable(makePathsRelative: true))
                {
                    if (value is not null)
                    {
                        properties[key] = value;
                    }
                }

                var parsed = new TenantInfo(id, normalized, child["Name"] ?? normalized, state, child["Region"], child["Owner"], properties, 1, now, now);
                if (previous is not null && previous.ById.TryGetValue(parsed.Id, out var old))
                {
                    parsed = old.HasSameData(parsed)
                        ? old
                        : parsed.With(version: old.Version + 1).WithTimes(old.CreatedAt, now);
                }

                if (!ids.Add(parsed.Id))
                {
                    throw new TenantValidationException("id", $"'{parsed.Id}' is used by more than one tenant.");
                }

                if (!identifiers.Add(parsed.Identifier))
                {
                    throw new TenantValidationException("identifier", $"'{parsed.Identifier}' is used by more than one tenant.");
                }

                tenants.Add(parsed);
            }
            catch (TenantValidationException ex)
            {
                foreach (var (name, messages) in ex.Errors)
                {
                    errors[$"{field}:{name}"] = messages;
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new TenantValidationException(errors);
        }

        tenants.Sort(static (a, b) => string.CompareOrdinal(a.Identifier, b.Identifier));
        return new Snapshot(
            tenants,
            tenants.ToDictionary(t => t.Id, StringComparer.Ordinal),
            tenants.ToDictionary(t => t.Identifier, StringComparer.Ordinal));
    }

    private sealed record Snapshot(
        List<TenantInfo> Ordered,
        Dictionary<string, TenantInfo> ById,
        Dictionary<string, TenantInfo> ByIdentifier);
}
