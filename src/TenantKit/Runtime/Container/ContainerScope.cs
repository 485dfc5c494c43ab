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

    private object?[]? _singletons;
    private object?[]? _scoped;
    private List<object>? _disposables;
    private volatile bool _disposed;

    /// <summary>Creates a container's root.</summary>
    /// <param name="plan">The shared plan.</param>
    /// <param name="own">The registrations from <see cref="ContainerPlan.OwnStart"/> on: the container's own values.</param>
    public ContainerScope(ContainerPlan plan, ServiceDescriptor[] own)
    {
        Plan = plan;
        Root = this;
        Own = own;
    }

    private ContainerScope(ContainerScope root)
    {
        Plan = root.Plan;
        Root = root;
        Own = root.Own;
    }

    public ContainerPlan Plan { get; }

    public ContainerScope Root { get; }

    public ServiceDescriptor[] Own { get; }

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

    /// <summary>Finds the cached service of <paramref name="slot"/> or makes it, once, under this scope's lock.</summary>
    internal object? GetOrCreate(bool isSingleton, int slot, ServiceSite site)
    {
        var values = isSingleton ? Volatile.Read(ref _singletons) : Volatile.Read(ref _scoped);
        if (values is not null && (uint)slot < (uint)values.Length && Volatile.Read(ref values[slot]) is { } found)
        {
            return ReferenceEquals(found, NullValue) ? null : found;
        }

        return Create(isSingleton, slot, site);
    }

    /// <summary>Takes a transient the scope made, to dispose it with the scope.</summary>
    internal void Capture(object service)
    {
        lock (this)
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
            throw new InvalidOperationException(ReferenceEquals(scoped, site.ServiceType)
                ? $"Cannot resolve scoped service '{scoped}' from root provider."
                : $"Cannot resolve '{site.ServiceType}' from root provider because it requires scoped service '{scoped}'.");
        }

        return site.Resolve(this);
    }

    private object? Create(bool isSingleton, int slot, ServiceSite site)
    {
        lock (this)
        {
            ThrowIfDisposed();
            var found = Slots(isSingleton, slot)[slot];
            if (found is not null)
            {
                return ReferenceEquals(found, NullValue) ? null : found;
            }

            // Made under the lock (re-entered by the service's own dependencies on this thread), so it is made once.
            // The slot array is read again afterwards: a dependency may have grown it meanwhile.
            var value = site.Resolve(this);
            if (value is IDisposable or IAsyncDisposable)
            {
                (_disposables ??= []).Add(value);
            }

            Volatile.Write(ref Slots(isSingleton, slot)[slot], value ?? NullValue);
            return value;
        }
    }

    /// <summary>The slot array, grown to hold <paramref name="slot"/>. Called under the lock.</summary>
    private object?[] Slots(bool isSingleton, int slot)
    {
        ref var field = ref isSingleton ? ref _singletons : ref _scoped;
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
        lock (this)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            var disposables = _disposables;
            _disposables = null;
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
}
