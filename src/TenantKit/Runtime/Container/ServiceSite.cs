using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// How one service is made: a node of a resolution plan. Sites belong to a <see cref="ContainerPlan"/>, which every
/// tenant container built from the same registrations shares; they hold no tenant's state. What a tenant owns (its
/// singletons, its own instances and factories) is read from the <see cref="ContainerScope"/> a site resolves in.
/// </summary>
internal abstract class ServiceSite(Type serviceType)
{
    /// <summary>The type this site answers for.</summary>
    public Type ServiceType { get; } = serviceType;

    /// <summary>True when the result is kept for the container's lifetime (a singleton or a constant).</summary>
    public virtual bool IsSingleton => false;

    /// <summary>True when the result is kept per scope.</summary>
    public virtual bool IsScoped => false;

    /// <summary>
    /// The first scoped service this site needs other than through a singleton, or null. A root provider validating
    /// scopes refuses such a site; a singleton that would capture it is refused when it is planned.
    /// </summary>
    public Type? ScopedDependency { get; init; }

    /// <summary>Makes or finds the service in <paramref name="scope"/>.</summary>
    public abstract object? Resolve(ContainerScope scope);
}

/// <summary>A value shared by every container of the plan: the host's forwarded instances, defaults, keys.</summary>
internal sealed class ConstantSite(Type serviceType, object? value) : ServiceSite(serviceType)
{
    public override bool IsSingleton => true;

    public override object? Resolve(ContainerScope scope) => value;
}

/// <summary>An instance each container registered itself (the tenant, its options): read from the container.</summary>
internal sealed class OwnInstanceSite(Type serviceType, int index) : ServiceSite(serviceType)
{
    public override bool IsSingleton => true;

    public override object? Resolve(ContainerScope scope)
    {
        var descriptor = scope.Root.Own[index];
        return descriptor.IsKeyedService ? descriptor.KeyedImplementationInstance : descriptor.ImplementationInstance;
    }
}

/// <summary>A factory registration. Shared factories are held here; a container's own are read from it.</summary>
internal sealed class FactorySite : ServiceSite
{
    private readonly Func<IServiceProvider, object>? _factory;
    private readonly Func<IServiceProvider, object?, object>? _keyedFactory;
    private readonly int _ownIndex;
    private readonly object? _key;

    public FactorySite(Type serviceType, ServiceDescriptor? shared, int ownIndex, object? key)
        : base(serviceType)
    {
        if (shared is not null)
        {
            _factory = shared.IsKeyedService ? null : shared.ImplementationFactory;
            _keyedFactory = shared.IsKeyedService ? shared.KeyedImplementationFactory : null;
        }

        _ownIndex = ownIndex;
        _key = key;
    }

    public override object? Resolve(ContainerScope scope)
    {
        if (_factory is not null)
        {
            return _factory(scope);
        }

        if (_keyedFactory is not null)
        {
            return _keyedFactory(scope, _key);
        }

        var descriptor = scope.Root.Own[_ownIndex];
        return descriptor.IsKeyedService
            ? descriptor.KeyedImplementationFactory!(scope, _key)
            : descriptor.ImplementationFactory!(scope);
    }
}

/// <summary>A type made by its constructor, its arguments resolved by their own sites.</summary>
internal sealed class ConstructorSite(Type serviceType, ConstructorInfo constructor, ServiceSite[] arguments)
    : ServiceSite(serviceType)
{
    private readonly ConstructorInvoker _invoker = ConstructorInvoker.Create(constructor);

    public ConstructorInfo Constructor { get; } = constructor;

    public override object? Resolve(ContainerScope scope)
    {
        var args = arguments;
        switch (args.Length)
        {
            case 0:
                return _invoker.Invoke();
            case 1:
                return _invoker.Invoke(args[0].Resolve(scope));
            case 2:
                return _invoker.Invoke(args[0].Resolve(scope), args[1].Resolve(scope));
            case 3:
                return _invoker.Invoke(args[0].Resolve(scope), args[1].Resolve(scope), args[2].Resolve(scope));
            case 4:
                return _invoker.Invoke(
                    args[0].Resolve(scope), args[1].Resolve(scope), args[2].Resolve(scope), args[3].Resolve(scope));
            default:
                var values = new object?[args.Length];
                for (var i = 0; i < args.Length; i++)
                {
                    values[i] = args[i].Resolve(scope);
                }

                return _invoker.Invoke(values.AsSpan());
        }
    }
}

/// <summary>Every registration of an element type, in registration order, as an array.</summary>
internal sealed class EnumerableSite(Type serviceType, Type elementType, ServiceSite[] items) : ServiceSite(serviceType)
{
    private readonly Type _arrayType = elementType.MakeArrayType();

    public ServiceSite[] Items { get; } = items;

    public override object? Resolve(ContainerScope scope)
    {
        var items = Items;
        var result = Array.CreateInstanceFromArrayType(_arrayType, items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            result.SetValue(items[i].Resolve(scope), i);
        }

        return result;
    }
}

/// <summary>The provider itself: the scope the resolution runs in.</summary>
internal sealed class ProviderSite(Type serviceType) : ServiceSite(serviceType)
{
    public override object? Resolve(ContainerScope scope) => scope;
}

/// <summary>The scope factory: the container's root.</summary>
internal sealed class ScopeFactorySite(Type serviceType) : ServiceSite(serviceType)
{
    public override bool IsSingleton => true;

    public override object? Resolve(ContainerScope scope) => scope.Root;
}

/// <summary>A singleton: made once per container, in its root, and disposed with it.</summary>
internal sealed class SingletonSite(ServiceSite inner, int slot) : ServiceSite(inner.ServiceType)
{
    public override bool IsSingleton => true;

    public override object? Resolve(ContainerScope scope) => scope.Root.GetOrCreate(isSingleton: true, slot, inner);
}

/// <summary>A scoped service: made once per scope and disposed with it.</summary>
internal sealed class ScopedSite(ServiceSite inner, int slot) : ServiceSite(inner.ServiceType)
{
    public override bool IsScoped => true;

    public override object? Resolve(ContainerScope scope) => scope.GetOrCreate(isSingleton: false, slot, inner);
}

/// <summary>
/// A singleton or scoped service of a <see cref="KeyedService.AnyKey"/> registration asked for under a key: kept by
/// the container (or scope) under that key rather than in a slot of the shared plan, so keys asked at run time do not
/// grow every tenant's slot arrays.
/// </summary>
internal sealed class KeyedCacheSite(ServiceSite inner, bool isSingleton, (int Index, Type ServiceType, object Key) id)
    : ServiceSite(inner.ServiceType)
{
    public override bool IsSingleton => isSingleton;

    public override bool IsScoped => !isSingleton;

    public override object? Resolve(ContainerScope scope)
        => (isSingleton ? scope.Root : scope).GetOrCreateKeyed(id, inner);
}

/// <summary>A transient that may be disposable: the scope that made it disposes it.</summary>
internal sealed class TransientSite(ServiceSite inner) : ServiceSite(inner.ServiceType)
{
    public override object? Resolve(ContainerScope scope)
    {
        var value = inner.Resolve(scope);
        if (value is IDisposable or IAsyncDisposable)
        {
            scope.Capture(value);
        }

        return value;
    }
}
