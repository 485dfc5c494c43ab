using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Diagnostics;

namespace TenantKit.Runtime;

/// <summary>
/// The tenant runtime: a façade that wires the parts, each with one job, and checks the host scope where the public
/// contract asks for it.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="SlotTable"/>: a slot per tenant held, the resident count, the warm path's recall by snapshot identity.</item>
/// <item><see cref="LeaseIssuer"/>: the lease path, warm (no lock, no allocation) and cold (joins or starts the build).</item>
/// <item><see cref="BuildScheduler"/>: one build per tenant, the global cap, back-off after failure, queued reloads.</item>
/// <item><see cref="GenerationBuilder"/>: makes one generation (container, activation hooks, hosted services).</item>
/// <item><see cref="TenantUnloader"/> and <see cref="GenerationDrainer"/>: take a generation out of service, drain and dispose it.</item>
/// <item><see cref="TenantEvictor"/>: the idle sweep and the capacity rule (least recently used).</item>
/// <item><see cref="CatalogChangeReaction"/> and <see cref="TenantTombstones"/>: following the catalog's changes.</item>
/// <item><see cref="EagerLoader"/>, <see cref="RuntimeStatusReporter"/>, <see cref="UnloadHistory"/>, <see cref="UnloadWaiter"/>, <see cref="RuntimeShutdown"/>.</item>
/// </list>
/// A generation's states and their transitions are <see cref="GenerationLifecycle"/>'s.
/// </remarks>
internal sealed class TenantRuntime : ITenantRuntime, IAsyncDisposable, IDisposable
{
    private readonly TenantRuntimeOptions _options;
    private readonly ITenantContextAccessor _context;
    private readonly RuntimeLifetime _lifetime = new();
    private readonly RuntimeClock _clock;
    private readonly LeaseIssuer _leases;
    private readonly BuildScheduler _builds;
    private readonly TenantUnloader _unloader;
    private readonly TenantEvictor _evictor;
    private readonly EagerLoader _eager;
    private readonly RuntimeStatusReporter _status;
    private readonly RuntimeShutdown _shutdown;
    private readonly UnloadWaiter _unloads;

    public TenantRuntime(
        TenantContainerFactory factory,
        IOptions<TenantRuntimeOptions> options,
        TenantServicesConfiguration configuration,
        ITenantContextAccessor context,
        ITenantChangeFeed changes,
        TimeProvider time,
        TenantKitMetrics metrics,
        ILogger<TenantRuntime> logger)
    {
        _options = options.Value;
        _context = context;
        _clock = new RuntimeClock(time);
        var slots = new SlotTable(_options.Capacity);
        var history = new UnloadHistory(slots, time);
        var tombstones = new TenantTombstones();
        var drainer = new GenerationDrainer(context, configuration, _options, time, metrics, logger);
        _unloader = new TenantUnloader(slots, history);
        _evictor = new TenantEvictor(slots, _unloader, _lifetime, _clock, _options);
        var builder = new GenerationBuilder(factory, context, configuration, _clock, drainer, _evictor, logger);
        _builds = new BuildScheduler(slots, history, _unloader, _evictor, builder, _lifetime, _clock, _options, metrics, logger);
        _leases = new LeaseIssuer(slots, history, _builds, tombstones, _lifetime, _clock, _options, metrics, logger);
        _eager = new EagerLoader(_leases, _options, logger);
        _unloads = new UnloadWaiter(slots, drainer);
        _status = new RuntimeStatusReporter(slots, history, drainer, _builds, _clock, _options);
        var reaction = new CatalogChangeReaction(_builds, _unloader, tombstones, _leases, _options, logger);
        _shutdown = new RuntimeShutdown(_lifetime, _evictor, reaction, slots, _unloader, _builds, drainer, logger);
        reaction.Subscribe(changes);
        metrics.ObserveRuntime(() => slots.Resident, () => _status.Counts.LeasesOut);
    }

    public TimeProvider Time => _clock.Time;

    public TenantRuntimeCounts Counts => _status.Counts;

    /// <summary>For tests: how many builds are queued for a build slot.</summary>
    internal int BuildsWaitingForASlot => _builds.WaitingForASlot;

    /// <summary>How many times a capacity check has visited every resident tenant. For tests.</summary>
    internal int CapacityScans => _evictor.CapacityScans;

    public ValueTask<TenantLease> AcquireAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
        => _leases.AcquireAsync(tenant, cancellationToken);

    public bool TryAcquireResident(TenantInfo tenant, out TenantLease lease)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return _leases.TryAcquireResident(tenant, out lease);
    }

    public async ValueTask LoadAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        EnsureHost("loading a tenant");
        var lease = await AcquireAsync(tenant, cancellationToken).ConfigureAwait(false);
        lease.Dispose();
    }

    public async ValueTask ReloadAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        EnsureHost("reloading a tenant");
        await _builds.ReloadAsync(tenant).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public bool Unload(string tenantId)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        EnsureHost("unloading a tenant");
        return _unloader.Unload(tenantId, TenantUnloadReason.Requested);
    }

    public Task WaitForUnloadAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        return _unloads.WaitAsync(tenantId, cancellationToken);
    }

    public TenantRuntimeStatus? GetStatus(string tenantId)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        return _status.GetStatus(tenantId);
    }

    public IReadOnlyList<TenantRuntimeStatus> GetStatuses() => _status.GetStatuses();

    /// <summary>The version of the tenant this runtime serves or is building (the newer), or <see langword="null"/> when it holds neither.</summary>
    internal long? GetLoadedVersion(string tenantId) => _status.GetLoadedVersion(tenantId);

    /// <summary>Builds every tenant the loading policy marks eager, with bounded parallelism.</summary>
    public Task LoadEagerTenantsAsync(ITenantCatalog catalog, CancellationToken cancellationToken) => _eager.LoadAsync(catalog, cancellationToken);

    /// <summary>Unloads idle tenants and enforces the capacity. The timer calls it; tests may too.</summary>
    internal void Sweep() => _evictor.Sweep();

    internal void EnforceCapacity() => _evictor.EnforceCapacity();

    /// <summary>The runtime clock's now (see <see cref="RuntimeClock"/>).</summary>
    internal long Now() => _clock.Now();

    public Task StopAsync(CancellationToken cancellationToken) => _shutdown.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(_options.DrainTimeout, Time);
        await StopAsync(timeout.Token).ConfigureAwait(false);
        _lifetime.Dispose();
        _builds.Dispose();
    }

    /// <summary>
    /// For containers disposed synchronously (<c>ServiceProvider.Dispose()</c>): the same drain as
    /// <see cref="DisposeAsync"/>, waited for on this thread, bounded by <see cref="TenantRuntimeOptions.DrainTimeout"/>.
    /// </summary>
    public void Dispose() => Task.Run(() => DisposeAsync().AsTask()).GetAwaiter().GetResult();

    private void EnsureHost(string operation)
    {
        if (_context.Current is not { IsHost: true })
        {
            throw new HostScopeRequiredException(
                $"{char.ToUpperInvariant(operation[0])}{operation[1..]} is reserved to the host; call it inside ITenantContextAccessor.BeginHostScope().");
        }
    }
}
