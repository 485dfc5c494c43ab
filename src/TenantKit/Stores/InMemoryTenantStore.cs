namespace TenantKit.Stores;

/// <summary>
/// A tenant store kept in process memory: for tests, samples and single-process apps whose tenants are created at
/// start-up. Thread-safe. Tenants are lost when the process exits.
/// </summary>
internal sealed class InMemoryTenantStore : ITenantStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, TenantInfo> _byIdentifier = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TenantInfo> _byId = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deletedIds = new(StringComparer.Ordinal);

    /// <summary>Creates an empty store, or one holding <paramref name="tenants"/>.</summary>
    /// <param name="tenants">Tenants to start with.</param>
    /// <exception cref="TenantAlreadyExistsException">Two tenants share an id or identifier.</exception>
    public InMemoryTenantStore(IEnumerable<TenantInfo>? tenants = null)
    {
        foreach (var tenant in tenants ?? [])
        {
            AddCore(tenant);
        }
    }

    /// <inheritdoc />
    public bool IsReadOnly => false;

    /// <summary>How many tenants the store holds.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        lock (_gate)
        {
            return new(_byIdentifier.GetValueOrDefault(identifier));
        }
    }

    /// <inheritdoc />
    public ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            return new(_byId.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var items = new List<TenantInfo>(Math.Min(query.Take, 64));
        var total = 0;
        lock (_gate)
        {
            foreach (var tenant in _byIdentifier.Values)
            {
                if (!query.Matches(tenant))
                {
                    continue;
                }

                if (total >= query.Skip && items.Count < query.Take)
                {
                    items.Add(tenant);
                }

                total++;
            }
        }

        return new(new TenantPage(items, total));
    }

    /// <inheritdoc />
    public ValueTask<TenantInfo> AddAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        lock (_gate)
        {
            AddCore(tenant);
        }

        return new(tenant);
    }

    /// <inheritdoc />
    public ValueTask<TenantInfo> UpdateAsync(TenantInfo tenant, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        lock (_gate)
        {
            if (!_byId.TryGetValue(tenant.Id, out var current))
            {
                throw new TenantNotFoundException(tenant.Id);
            }

            if (current.Version != expectedVersion)
            {
                throw new TenantConcurrencyException(tenant.Id, expectedVersion, current.Version);
            }

            if (tenant.Version <= current.Version)
            {
                throw new ArgumentException($"The new version ({tenant.Version}) must be greater than the stored one ({current.Version}).", nameof(tenant));
            }

            if (tenant.Identifier != current.Identifier)
            {
                if (_byIdentifier.ContainsKey(tenant.Identifier))
                {
                    throw new TenantAlreadyExistsException($"Another tenant already has the identifier '{tenant.Identifier}'.");
                }

                _byIdentifier.Remove(current.Identifier);
            }

            _byIdentifier[tenant.Identifier] = tenant;
            _byId[tenant.Id] = tenant;
        }

        return new(tenant);
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var current))
            {
                throw new TenantNotFoundException(id);
            }

            if (current.Version != expectedVersion)
            {
                throw new TenantConcurrencyException(id, expectedVersion, current.Version);
            }

            _byId.Remove(id);
            _byIdentifier.Remove(current.Identifier);
            _deletedIds.Add(id);
        }

        return ValueTask.CompletedTask;
    }

    private void AddCore(TenantInfo tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (_byId.ContainsKey(tenant.Id) || _deletedIds.Contains(tenant.Id))
        {
            throw new TenantAlreadyExistsException($"A tenant with the id '{tenant.Id}' exists or existed; ids are never reused.");
        }

        if (_byIdentifier.ContainsKey(tenant.Identifier))
        {
            throw new TenantAlreadyExistsException($"A tenant with the identifier '{tenant.Identifier}' already exists.");
        }

        _byId.Add(tenant.Id, tenant);
        _byIdentifier.Add(tenant.Identifier, tenant);
    }
}
