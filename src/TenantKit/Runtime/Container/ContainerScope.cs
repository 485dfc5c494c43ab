using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// A tenant container (its root) or a scope of one. It holds only what is the tenant's own: its singletons, its scoped
/// services, what it must dispose, and the instances and factories it registered itself. How each service is made is
/// the shared <see cref="ContainerPlan"/>'s. Behaves as Microsoft.Extensions.DependencyInjection's provider does:
/// singletons live in the root, scoped services per scope (in the root when resolved from it), disposables are
/// disposed by the scope that made them in reverse order, instances given at registration are never disposed.
/// </summary>
internal sealed class ContainerScope :
    IServiceProvider,
    IKeyedServiceProvider,
    ISupportRequiredService,
    IServiceScopeFactory,
    IServiceScope,
    IAsyncDisposable
{
    /// <summary>Marks a slot whose service was made and is null (a factory may return null).</summary>
    private static readonly object NullValue = new();

    /// <summary>What only a root has; <see langword="null"/> in a scope, which keeps its own size small.</summary>
    private readonly RootState? _state;
    private object?[]? _scoped;
    private Dictionary<(int Index, Type ServiceType, object Key), object>? _keyed;
    private List<object>? _disposables;
    private volatile bool _disposed;

    /// <summary>Creates a container's root.</summary>
    /// <param name="plan">The shared plan.</param>
    /// <param name="own">The registrations from <see cref="ContainerPlan.OwnStart"/> on: the container's own values.</param>
    public ContainerScope(ContainerPlan plan, ServiceDescriptor[] own)
    {
        Root = this;
        _state = new RootState(plan, own);
        plan.ContainerBuilt();
    }

    private ContainerScope(ContainerScope root)
    {
        Root = root;
    }

    public ContainerPlan Plan => Root._state!.Plan;

    public ContainerScope Root { get; }

    public ServiceDescriptor[] Own => Root._state!.Own;

    /// <summary>
    /// Guards the slot arrays and the disposables: held only briefly, never while a service is being made. A scope
    /// uses itself; a root (which makes singletons under locks of their own) uses its state.
    /// </summary>
    private object Sync => (object?)_state ?? this;

    public bool IsRoot => ReferenceEquals(Root, this);

    public bool IsDisposed => _disposed;

    IServiceProvider IServiceScope.ServiceProvider => this;

    public object? GetService(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        ThrowIfDisposed();
        var site = Plan.GetSite(serviceType);
        return site is null ? null : Resolve(site);
    }

    public object? GetKeyedService(Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        ThrowIfDisposed();
        var site = Plan.GetSite(new ServiceId(serviceType, serviceKey));
        return site is null ? null : Resolve(site);
    }

    public object GetRequiredService(Type serviceType)
        => GetService(serviceType) ?? throw new InvalidOperationException($"No service for type '{serviceType}' has been registered.");

    public object GetRequiredKeyedService(Type serviceType, object? serviceKey)
        => GetKeyedService(serviceType, serviceKey) ?? throw new InvalidOperationException(
            $"No keyed service for type '{serviceType}' using key type '{serviceKey?.GetType()}' has been registered.");

    public IServiceScope CreateScope()
    {
        Root.ThrowIfDisposed();
        return new ContainerScope(Root);
    }

    /// <summary>Finds the cached service of <paramref name="slot"/> or makes it, once (see <see cref="Create"/>).</summary>
    internal object? GetOrCreate(bool isSingleton, int slot, ServiceSite site)
    {
        var values = isSingleton ? Volatile.Read(ref _state!.Singletons) : Volatile.Read(ref _scoped);
        if (values is not null && (uint)slot < (uint)values.Length && Volatile.Read(ref values[slot]) is { } found)
        {
            return ReferenceEquals(found, NullValue) ? null : found;
        }

        return Create(isSingleton, slot, site);
    }

    /// <summary>Finds or makes, once, a service this scope keeps under a run-time key (see <see cref="KeyedCacheSite"/>).</summary>
    internal object? GetOrCreateKeyed((int Index, Type ServiceType, object Key) id, ServiceSite site)
    {
        lock (this)
        {
            ThrowIfDisposed();
            lock (Sync)
            {
                if (_keyed is not null && _keyed.TryGetValue(id, out var found))
                {
                    return ReferenceEquals(found, NullValue) ? null : found;
                }
            }

            var value = site.Resolve(this);
            if (value is IDisposable or IAsyncDisposable)
            {
                Capture(value);
            }

            lock (Sync)
            {
                (_keyed ??= [])[id] = value ?? NullValue;
            }

            return value;
        }
    }

    /// <summary>Takes a transient the scope made, to dispose it with the scope.</summary>
    internal void Capture(object service)
    {
        lock (Sync)
        {
            if (!_disposed)
            {
                (_disposables ??= []).Add(service);
                return;
            }
        }

        DisposeLate(service);
    }

    public void Dispose()
    {
        var disposables = BeginDispose();
        if (disposables is null)
        {
            return;
        }

        for (var i = disposables.Count - 1; i >= 0; i--)
        {
            if (disposables[i] is IDisposable disposable)
            {
                disposable.Dispose();
            }
            else
            {
                throw new InvalidOperationException(
                    $"'{disposables[i].GetType()}' type only implements IAsyncDisposable. Use DisposeAsync to dispose the container.");
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        var disposables = BeginDispose();
        if (disposables is null)
        {
            return default;
        }

        // Synchronous while the services' disposals are (a request scope usually holds none or a few): no state machine.
        // A disposal that fails is reported through the returned task, as Microsoft's provider does.
        try
        {
            for (var i = disposables.Count - 1; i >= 0; i--)
            {
                if (disposables[i] is IAsyncDisposable asyncDisposable)
                {
                    var pending = asyncDisposable.DisposeAsync();
                    if (!pending.IsCompletedSuccessfully)
                    {
                        return DisposeRestAsync(pending, disposables, i);
                    }

                    pending.GetAwaiter().GetResult();
                }
                else
                {
                    ((IDisposable)disposables[i]).Dispose();
                }
            }
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }

        return default;
    }

    private static async ValueTask DisposeRestAsync(ValueTask pending, List<object> disposables, int index)
    {
        await pending.ConfigureAwait(false);
        for (var i = index - 1; i >= 0; i--)
        {
            if (disposables[i] is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                ((IDisposable)disposables[i]).Dispose();
            }
        }
    }

    private object? Resolve(ServiceSite site)
    {
        if (site.ScopedDependency is { } scoped && IsRoot && Plan.ValidateScopes)
        {
            // A service kept per scope (a scoped registration, or an enumerable of them) is named itself, as by
            // Microsoft's provider; anything else by the scoped service it needs.
            throw new InvalidOperationException(site.IsScoped || ReferenceEquals(scoped, site.ServiceType)
                ? $"Cannot resolve scoped service '{site.ServiceType}' from root provider."
                : $"Cannot resolve '{site.ServiceType}' from root provider because it requires scoped service '{scoped}'.");
        }

        return site.Resolve(this);
    }

    private object? Create(bool isSingleton, int slot, ServiceSite site)
    {
        // A singleton is made under a lock of its own, as Microsoft's provider does per service: a slow or blocking
        // singleton holds up only those waiting for it. Scoped services are made under their scope's lock, as there.
        // Either lock is re-entered by the service's own dependencies on this thread, so each is made once.
        lock (isSingleton ? SingletonGate(slot) : this)
        {
            ThrowIfDisposed();
            object? found;
            lock (Sync)
            {
                found = Slots(isSingleton, slot)[slot];
            }

            if (found is not null)
            {
                return ReferenceEquals(found, NullValue) ? null : found;
            }

            var value = site.Resolve(this);
            var disposedMeanwhile = false;
            lock (Sync)
            {
                if (value is IDisposable or IAsyncDisposable)
                {
                    disposedMeanwhile = _disposed;
                    if (!disposedMeanwhile)
                    {
                        (_disposables ??= []).Add(value);
                    }
                }

                if (!disposedMeanwhile)
                {
                    // The slot array is read again: a dependency may have grown it meanwhile.
                    Volatile.Write(ref Slots(isSingleton, slot)[slot], value ?? NullValue);
                    if (isSingleton)
                    {
                        _state!.SingletonGates![slot] = null;
                    }
                }
            }

            if (disposedMeanwhile)
            {
                // Made while the container was being disposed: disposed at once, and the caller told.
                DisposeLate(value!);
            }

            return value;
        }
    }

    /// <summary>The lock under which the singleton of <paramref name="slot"/> is made, until it is.</summary>
    private object SingletonGate(int slot)
    {
        lock (Sync)
        {
            var state = _state!;
            var gates = state.SingletonGates;
            if (gates is null || slot >= gates.Length)
            {
                var grown = new object?[Math.Max(slot + 1, Plan.SingletonSlots)];
                gates?.CopyTo(grown, 0);
                state.SingletonGates = gates = grown;
            }

            return gates[slot] ??= new object();
        }
    }

    /// <summary>The slot array, grown to hold <paramref name="slot"/>. Called under <see cref="Sync"/>.</summary>
    private object?[] Slots(bool isSingleton, int slot)
    {
        ref var field = ref isSingleton ? ref _state!.Singletons : ref _scoped;
        var values = field;
        if (values is null || slot >= values.Length)
        {
            var size = Math.Max(slot + 1, isSingleton ? Plan.SingletonSlots : Plan.ScopedSlots);
            var grown = new object?[size];
            values?.CopyTo(grown, 0);
            Volatile.Write(ref field, grown);
            values = grown;
        }

        return values;
    }

    private List<object>? BeginDispose()
    {
        lock (Sync)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            var disposables = _disposables;
            _disposables = null;
            if (IsRoot)
            {
                Plan.ContainerDisposed();
            }

            return disposables;
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed || Root._disposed)
        {
            throw new ObjectDisposedException(nameof(IServiceProvider));
        }
    }

    private static void DisposeLate(object service)
    {
        if (service is IDisposable disposable)
        {
            disposable.Dispose();
        }
        else
        {
            ((IAsyncDisposable)service).DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        throw new ObjectDisposedException(nameof(IServiceProvider));
    }

    /// <summary>A root's own: the plan, its registered values, its singletons and the locks they are made under.</summary>
    private sealed class RootState(ContainerPlan plan, ServiceDescriptor[] own)
    {
        public ContainerPlan Plan { get; } = plan;

        public ServiceDescriptor[] Own { get; } = own;

#pragma warning disable SA1401, CA1051 // Fields, so slots can be read and written by reference (Volatile, ref locals).
        public object?[]? Singletons;

        public object?[]? SingletonGates;
#pragma warning restore SA1401, CA1051
    }
}
