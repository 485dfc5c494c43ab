using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using TenantKit.EfCore.Features;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// What one DbContext instance knows of its tenant: the tenant it is bound to (by the container that created it, or
/// when it was rented from a pool), where its data lives, and whether it serves a tenant or the host. The query filter,
/// the save checks and the connection interceptor all ask it, at the moment they run. Lives in the context's internal
/// service scope, so a pooled context gets a fresh one on every rent (<see cref="Reset"/>).
/// </summary>
internal sealed class TenantDbContextState
{
    private readonly TenantKitOptionsExtension _options;
    private readonly DbContext _context;
    private TenantInfo? _bound;
    private TenantDataLocation _location;
    private TenantContextMode _mode;
    private string? _checkedTenantId;
    private bool _hostLogged;
    private (TenantFeatureModels.Contribution[] Included, TenantFeatureModels.Contribution[] Excluded, string? Key)? _features;

    public TenantDbContextState(ICurrentDbContext current, IDbContextOptions options)
    {
        _context = current.Context;
        _options = options.FindExtension<TenantKitOptionsExtension>()
            ?? throw new InvalidOperationException($"'{current.Context.GetType().Name}' has no TenantKit options: configure it with UseTenantKit or AddTenantDbContext.");
        _location = _options.Location;
        _bound = _location.Tenant;
        _mode = _bound is null ? _options.Mode : TenantContextMode.Tenant;
        if (_location is { IsHost: false, Isolation: TenantIsolationModel.DatabasePerTenant, ConnectionString: { } expected }
            && options.Extensions.OfType<RelationalOptionsExtension>().FirstOrDefault()?.ConnectionString is { } configured
            && !string.Equals(configured, expected, StringComparison.Ordinal))
        {
            // A database-per-tenant tenant's rows must never land in another database (such as the shared one).
            throw new InvalidOperationException(
                $"{ContextName} is bound to tenant '{_bound!.Identifier}', which has a database of its own, but its options connect elsewhere. Configure the connection from the TenantDataLocation that AddTenantDbContext passes.");
        }
    }

    public TenantDataLocation Location => _location;

    public TenantInfo? BoundTenant => _bound;

    public bool RowLevelSecurity => _options.RowLevelSecurity;

    public string ContextName => _context.GetType().Name;

    public ILogger Logger => _options.Logger;

    /// <summary>Binds a pooled (or freshly created) context to <paramref name="location"/>'s tenant.</summary>
    public void Bind(TenantDataLocation location)
    {
        if (_mode == TenantContextMode.Host)
        {
            throw new InvalidOperationException($"A {ContextName} that serves the host cannot be bound to a tenant.");
        }

        _location = location;
        _bound = location.Tenant;
        _mode = TenantContextMode.Tenant;
        _checkedTenantId = null;
        _features = null;
    }

    /// <summary>Forgets the rent's binding: back to what the options say.</summary>
    public void Reset()
    {
        _location = _options.Location;
        _bound = _location.Tenant;
        _mode = _bound is null ? _options.Mode : TenantContextMode.Tenant;
        _checkedTenantId = null;
        _hostLogged = false;
        _features = null;
    }

    /// <summary>
    /// Fixes whom the context serves, when its model is first needed (the model differs: the host's has no tenant
    /// filter). <see cref="TenantContextMode.Auto"/> follows the ambient context: a host scope means the host, anything
    /// else means a tenant, so a context first used with no tenant at all fails closed on its first query.
    /// </summary>
    public TenantContextMode ChooseMode()
    {
        if (_mode == TenantContextMode.Auto)
        {
            _mode = _options.Accessor.Current is { IsHost: true } ? TenantContextMode.Host : TenantContextMode.Tenant;
        }

        if (_mode == TenantContextMode.Host)
        {
            NoteHostUse();
        }

        return _mode;
    }

    /// <summary>
    /// The features that add to this context's model: <c>Included</c> go into its model, <c>Excluded</c> stay out. The
    /// host's model has every feature's entities; a tenant's those of its features (as the tenant's snapshot says),
    /// and a context with no tenant none.
    /// </summary>
    public (TenantFeatureModels.Contribution[] Included, TenantFeatureModels.Contribution[] Excluded) ModelFeatures()
    {
        var features = ComputeFeatures();
        return (features.Included, features.Excluded);
    }

    /// <summary>
    /// The part of the model cache key that features decide: <see langword="null"/> when no feature adds to the model,
    /// else the included features' ids (tenants with the same ones share a model).
    /// </summary>
    public string? ModelFeatureKey() => ComputeFeatures().Key;

    private (TenantFeatureModels.Contribution[] Included, TenantFeatureModels.Contribution[] Excluded, string? Key) ComputeFeatures()
    {
        if (_features is { } known)
        {
            return known;
        }

        var all = _options.FeatureModels?.For(_context.GetType(), _options.Features) ?? [];
        if (all.Length == 0)
        {
            _features = ([], [], null);
            return _features.Value;
        }

        if (ChooseMode() == TenantContextMode.Host)
        {
            _features = (all, [], "*");
            return _features.Value;
        }

        var tenant = _bound ?? (_options.Accessor.Current is { IsHost: false } ambient ? ambient.Tenant : null);
        var enabled = tenant is null || _options.Features is null ? null : _options.Features.GetFeatures(tenant);
        var included = all.Where(c => enabled?.IsEnabled(c.Feature) == true).ToArray();
        var excluded = all.Where(c => enabled?.IsEnabled(c.Feature) != true).ToArray();
        _features = (included, excluded, string.Join(",", included.Select(c => c.Feature).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
        return _features.Value;
    }

    /// <summary>Logs, once per context (per rent for a pooled one), that the tenant filter is lifted.</summary>
    public void NoteHostUse()
    {
        if (!_hostLogged)
        {
            _hostLogged = true;
            Log.HostScopeLiftsFilter(_options.Logger, ContextName);
        }
    }

    /// <summary>The tenant id the filter compares with, read now. Throws rather than let a query run for nobody or for the wrong tenant.</summary>
    public string TenantIdForQuery()
    {
        var ambient = _options.Accessor.Current;
        if (_bound is { } bound)
        {
            if (ambient is { IsHost: false } && !string.Equals(ambient.Tenant.Id, bound.Id, StringComparison.Ordinal))
            {
                throw Refuse(new CrossTenantAccessException(
                    $"A {ContextName} of tenant '{bound.Identifier}' was used while serving tenant '{ambient.Tenant.Identifier}'. Resolve the DbContext from the current tenant's services."));
            }

            return bound.Id;
        }

        if (ambient is null)
        {
            throw Refuse(new TenantNotSetException(
                $"{ContextName} queried or saved tenant-owned data with no current tenant and no host scope. TenantKit never reads or writes every tenant's rows: run the code inside a tenant scope, or inside ITenantContextAccessor.BeginHostScope() where the host acts."));
        }

        if (ambient.IsHost)
        {
            throw Refuse(new TenantNotSetException(
                $"This {ContextName} was first used outside a host scope, so it serves one tenant's data and the host scope cannot widen it. Create a new DbContext inside the host scope."));
        }

        CheckLocation(ambient.Tenant);
        return ambient.Tenant.Id;
    }

    /// <summary>The host model's guard: <see langword="true"/> while the host scope is current, else a refusal.</summary>
    public bool HostScopeForQuery()
    {
        var ambient = _options.Accessor.Current;
        if (ambient is { IsHost: true })
        {
            return true;
        }

        throw ambient is null
            ? Refuse(new TenantNotSetException($"This {ContextName} was created in a host scope that has ended; it may not read or write tenant-owned data outside it."))
            : Refuse(new CrossTenantAccessException($"A {ContextName} created in a host scope was used while serving tenant '{ambient.Tenant!.Identifier}'. Resolve the DbContext from the tenant's services."));
    }

    /// <summary>Whom a save acts for: the host, or the tenant (with its id). Throws as the query filter does.</summary>
    public (bool IsHost, string? TenantId) ForWrite()
        => ChooseMode() == TenantContextMode.Host ? (HostScopeForQuery(), null) : (false, TenantIdForQuery());

    /// <summary>The session settings for row-level security; never throws (no tenant means no rows).</summary>
    public (bool IsHost, string? TenantId) ForConnection()
    {
        try
        {
            return ForWrite();
        }
        catch (TenantKitException)
        {
            return (false, null);
        }
    }

    private void CheckLocation(TenantInfo tenant)
    {
        if (_options.Resolver is null || string.Equals(_checkedTenantId, tenant.Id, StringComparison.Ordinal))
        {
            return;
        }

        var location = _options.Resolver.Resolve(tenant);
        if (!location.IsSameStoreAs(_location))
        {
            throw Refuse(new CrossTenantAccessException(
                $"Tenant '{tenant.Identifier}' keeps its data elsewhere ({location}), but this {ContextName} reaches {(_location.Schema is null ? "the shared database" : $"schema {_location.Schema}")}. Resolve the DbContext from the tenant's services, or create it with IDbContextFactory inside the tenant scope."));
        }

        _checkedTenantId = tenant.Id;
    }

    private T Refuse<T>(T exception)
        where T : Exception
    {
        Log.Refused(_options.Logger, ContextName, exception.Message);
        return exception;
    }
}

/// <summary>Resets <see cref="TenantDbContextState"/> when a pooled context goes back to its pool.</summary>
internal sealed class TenantDbContextStateReset(TenantDbContextState state) : IResettableService
{
    public void ResetState() => state.Reset();

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        state.Reset();
        return Task.CompletedTask;
    }
}
