using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// How every service of a set of registrations is made, shared by all the containers built from registrations of the
/// same shape. Microsoft.Extensions.DependencyInjection's provider works out its plan per container (a descriptor
/// table, call sites, compiled resolvers); with thousands of tenant containers built and dropped under churn that is
/// most of a tenant's memory and build time. Here the plan is worked out once and each container keeps only its own
/// values: the registrations from <see cref="OwnStart"/> on (the tenant's instances and factories), its singletons,
/// and what it must dispose.
/// </summary>
/// <remarks>
/// Follows the rules of Microsoft.Extensions.DependencyInjection (checked by its specification tests): the last
/// registration answers a single resolution, <see cref="IEnumerable{T}"/> gives all of them in order (with open generics
/// in place), the longest constructor whose parameters can all be resolved wins (ambiguity is an error), parameters with
/// defaults are optional, keyed services with <see cref="KeyedService.AnyKey"/>, <see cref="FromKeyedServicesAttribute"/>
/// and <see cref="ServiceKeyAttribute"/>, circular dependencies are errors, and scope validation when asked.
/// </remarks>
internal sealed class ContainerPlan : IConstructorArgumentSource<ServiceSite>
{
    private readonly ServiceDescriptor[] _descriptors;
    private readonly RegistrationIndex _registrations;
    private readonly ConcurrentDictionary<Type, ServiceSite?> _sites = new();
    private readonly ConcurrentDictionary<ServiceId, ServiceSite?> _keyedSites = new();
    private readonly Dictionary<(int Index, Type ServiceType, object? Key), ServiceSite> _descriptorSites = [];
    private readonly List<ServiceId> _chain = [];
    private readonly Lock _gate = new();
    private int _singletonSlots;
    private int _scopedSlots;
    private const int MaxKeyedEntries = 1024;
    private int _keyedEntries;
    private int _containers;

    /// <param name="descriptors">The registrations, in order (not copied: never change them afterwards).</param>
    /// <param name="ownStart">
    /// The first registration whose instance or factory is each container's own (read from the container, not from
    /// <paramref name="descriptors"/>); those before it are shared by every container of the plan.
    /// </param>
    /// <param name="validateScopes">Refuse scoped services from the root and singletons that capture scoped ones.</param>
    public ContainerPlan(ServiceDescriptor[] descriptors, int ownStart, bool validateScopes)
    {
        _descriptors = descriptors;
        OwnStart = ownStart;
        ValidateScopes = validateScopes;
        _registrations = new RegistrationIndex(descriptors);
    }

    /// <summary>The first registration whose values each container holds itself.</summary>
    public int OwnStart { get; }

    public bool ValidateScopes { get; }

    /// <summary>Singleton slots handed out so far: a new root sizes its array by this.</summary>
    public int SingletonSlots => Volatile.Read(ref _singletonSlots);

    /// <summary>Scoped slots handed out so far: a new scope sizes its array by this.</summary>
    public int ScopedSlots => Volatile.Read(ref _scopedSlots);

    /// <summary>The number of registrations.</summary>
    public int Count => _descriptors.Length;

    /// <summary>Containers built on this plan and not yet disposed: a plan no container uses may be dropped.</summary>
    public int LiveContainers => Volatile.Read(ref _containers);

    internal void ContainerBuilt() => Interlocked.Increment(ref _containers);

    internal void ContainerDisposed() => Interlocked.Decrement(ref _containers);

    /// <summary>The site of an unkeyed service, or null when nothing answers for it.</summary>
    public ServiceSite? GetSite(Type serviceType)
        => _sites.TryGetValue(serviceType, out var site) ? site : Plan(new ServiceId(serviceType, null));

    /// <summary>The site of a (possibly keyed) service, or null when nothing answers for it.</summary>
    public ServiceSite? GetSite(ServiceId id)
    {
        if (id.Key is null)
        {
            return GetSite(id.Type);
        }

        return _keyedSites.TryGetValue(id, out var site) ? site : Plan(id);
    }

    /// <summary>Plans every registration now (what <c>ValidateOnBuild</c> does) and throws what cannot be made.</summary>
    public void Validate()
    {
        List<Exception>? errors = null;
        for (var i = 0; i < _descriptors.Length; i++)
        {
            var d = _descriptors[i];
            if (d.ServiceType.IsGenericTypeDefinition || ReferenceEquals(d.ServiceKey, KeyedService.AnyKey))
            {
                continue;
            }

            try
            {
                lock (_gate)
                {
                    PlanDescriptor(i, d.ServiceType, d.ServiceKey);
                }
            }
            catch (Exception ex)
            {
                (errors ??= []).Add(new InvalidOperationException(
                    $"Error while validating the service descriptor '{d}': {ex.Message}", ex));
            }
        }

        if (errors is not null)
        {
            throw new AggregateException("Some services are not able to be constructed", errors);
        }
    }

    private ServiceSite? Plan(ServiceId id)
    {
        lock (_gate)
        {
            return GetSiteWhilePlanning(id);
        }
    }

    /// <summary>The site of a service as asked for (the last registration, an open generic, or all of them).</summary>
    private ServiceSite? PlanService(ServiceId id)
    {
        if (id.Key is null && ServiceTypes.IsBuiltIn(id.Type))
        {
            return id.Type == typeof(IServiceProvider) ? new ProviderSite(id.Type)
                : id.Type == typeof(IServiceScopeFactory) ? new ScopeFactorySite(id.Type)
                : new ConstantSite(id.Type, _registrations);
        }

        if (id.Type.ContainsGenericParameters)
        {
            // An open generic type itself (IOptions<>) is no service: nothing can be made of it.
            return null;
        }

        if (ReferenceEquals(id.Key, KeyedService.AnyKey) && !ServiceTypes.IsEnumerable(id.Type, out _))
        {
            throw new InvalidOperationException("KeyedService.AnyKey cannot be used to resolve a single service.");
        }

        if (_chain.Contains(id))
        {
            throw new InvalidOperationException(
                $"A circular dependency was detected for the service of type '{id.Type}'.{Environment.NewLine}"
                + string.Join(" -> ", _chain.Select(c => c.Type.ToString())) + $" -> {id.Type}");
        }

        RuntimeHelpers.EnsureSufficientExecutionStack();
        _chain.Add(id);
        try
        {
            return PlanExact(id) ?? PlanOpenGeneric(id) ?? PlanEnumerable(id);
        }
        finally
        {
            _chain.RemoveAt(_chain.Count - 1);
        }
    }

    private ServiceSite? PlanExact(ServiceId id)
    {
        if (_registrations.Find(id) is { } indexes)
        {
            return PlanDescriptor(indexes[^1], id.Type, id.Key);
        }

        return null;
    }

    private ServiceSite? PlanOpenGeneric(ServiceId id)
    {
        if (!id.Type.IsConstructedGenericType)
        {
            return null;
        }

        var definition = new ServiceId(id.Type.GetGenericTypeDefinition(), id.Key);
        if (_registrations.Find(definition) is { } indexes)
        {
            return PlanDescriptor(indexes[^1], id.Type, id.Key);
        }

        return null;
    }

    private ServiceSite? PlanEnumerable(ServiceId id)
    {
        if (!ServiceTypes.IsEnumerable(id.Type, out var element))
        {
            return null;
        }

        ServiceTypes.CheckEnumerableElement(element);
        var definition = element.IsConstructedGenericType ? element.GetGenericTypeDefinition() : null;
        var anyKey = ReferenceEquals(id.Key, KeyedService.AnyKey);
        var items = new List<ServiceSite>();
        for (var i = 0; i < _descriptors.Length; i++)
        {
            var d = _descriptors[i];
            if (anyKey ? !d.IsKeyedService || ReferenceEquals(d.ServiceKey, KeyedService.AnyKey) : !Equals(d.ServiceKey, id.Key))
            {
                continue;
            }

            var key = anyKey ? d.ServiceKey : id.Key;
            if (d.ServiceType == element)
            {
                items.Add(PlanDescriptor(i, element, key));
            }
            else if (definition is not null && d.ServiceType == definition
                && ServiceTypes.TryClose(Descriptors.Implementation(d)!, element.GenericTypeArguments) is not null)
            {
                // Skipped when the element type breaks the implementation's constraints, as Microsoft's provider does.
                items.Add(PlanDescriptor(i, element, key));
            }
        }

        // Cached as its elements are: in the root when all are singletons, per scope when none is transient.
        var site = new EnumerableSite(id.Type, element, [.. items])
        {
            ScopedDependency = items.Select(s => s.ScopedDependency).FirstOrDefault(s => s is not null),
        };
        if (items.TrueForAll(s => s.IsSingleton))
        {
            return new SingletonSite(site, _singletonSlots++);
        }

        if (items.TrueForAll(s => s.IsSingleton || s.IsScoped))
        {
            return new ScopedSite(site, _scopedSlots++) { ScopedDependency = site.ScopedDependency };
        }

        return site;
    }

    /// <summary>
    /// The site of registration <paramref name="index"/> answering for <paramref name="serviceType"/> (closed, for an
    /// open generic) under <paramref name="key"/>: one per such triple, so a singleton is the same instance whether
    /// resolved alone or in an enumerable.
    /// </summary>
    private ServiceSite PlanDescriptor(int index, Type serviceType, object? key)
    {
        var cacheKey = (index, serviceType, key);
        if (_descriptorSites.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var d = _descriptors[index];
        var own = index >= OwnStart;
        // Made for a key asked at run time: kept per container under its key, not in a slot of the shared plan, and
        // the site itself kept only while the plan keeps keyed entries.
        var anyKey = ReferenceEquals(d.ServiceKey, KeyedService.AnyKey) && key is not null && !ReferenceEquals(key, KeyedService.AnyKey);
        var keep = !anyKey || KeepKeyed();
        ServiceSite inner;
        bool mayDispose;
        if (Descriptors.Instance(d) is { } instance)
        {
            var constant = own ? (ServiceSite)new OwnInstanceSite(serviceType, index - OwnStart) : new ConstantSite(serviceType, instance);
            return keep ? _descriptorSites[cacheKey] = constant : constant;
        }
        else if (Descriptors.HasFactory(d))
        {
            inner = new FactorySite(serviceType, own ? null : d, own ? index - OwnStart : -1, key);
            mayDispose = true;
        }
        else
        {
            var implementation = Descriptors.Implementation(d)!;
            if (implementation.IsGenericTypeDefinition)
            {
                implementation = ServiceTypes.TryClose(implementation, serviceType.GenericTypeArguments)
                    ?? throw new ArgumentException(
                        $"Cannot close '{implementation}' over the arguments of '{serviceType}': they break its generic constraints.");
            }

            inner = PlanConstructor(serviceType, implementation, key);
            mayDispose = typeof(IDisposable).IsAssignableFrom(implementation) || typeof(IAsyncDisposable).IsAssignableFrom(implementation);
        }

        ServiceSite site;
        switch (d.Lifetime)
        {
            case ServiceLifetime.Singleton:
                if (ValidateScopes && inner.ScopedDependency is { } scoped)
                {
                    throw new InvalidOperationException($"Cannot consume scoped service '{scoped}' from singleton '{serviceType}'.");
                }

                site = anyKey ? new KeyedCacheSite(inner, isSingleton: true, (index, serviceType, key!)) : new SingletonSite(inner, _singletonSlots++);
                break;
            case ServiceLifetime.Scoped:
                site = anyKey
                    ? new KeyedCacheSite(inner, isSingleton: false, (index, serviceType, key!)) { ScopedDependency = serviceType }
                    : new ScopedSite(inner, _scopedSlots++) { ScopedDependency = serviceType };
                break;
            default:
                site = mayDispose ? new TransientSite(inner) { ScopedDependency = inner.ScopedDependency } : inner;
                break;
        }

        return keep ? _descriptorSites[cacheKey] = site : site;
    }

    private ConstructorSite PlanConstructor(
        Type serviceType,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type implementation,
        object? key)
    {
        if (!ConstructorSelector.TrySelect(implementation, key, this, out var constructor, out var arguments, out var error))
        {
            throw new InvalidOperationException(error);
        }

        return new ConstructorSite(serviceType, constructor, arguments)
        {
            ScopedDependency = Array.Find(arguments, a => a.ScopedDependency is not null)?.ScopedDependency,
        };
    }

    bool IConstructorArgumentSource<ServiceSite>.TryGetService(Type implementation, ServiceId service, out ServiceSite argument)
    {
        argument = GetSiteWhilePlanning(service)!;
        return argument is not null;
    }

    ServiceSite IConstructorArgumentSource<ServiceSite>.GetServiceKey(Type implementation, Type parameterType, object key)
    {
        if (!parameterType.IsInstanceOfType(key))
        {
            throw new InvalidOperationException(
                $"The type of the key used for lookup doesn't match the type in the constructor parameter with the ServiceKey attribute. ({implementation}: key '{key}' of type '{key.GetType()}', parameter of type '{parameterType}')");
        }

        return new ConstantSite(parameterType, key);
    }

    ServiceSite IConstructorArgumentSource<ServiceSite>.GetDefault(Type parameterType, object? value) => new ConstantSite(parameterType, value);

    /// <summary>A service's site, from the cache or planned now (the caller holds the gate).</summary>
    private ServiceSite? GetSiteWhilePlanning(ServiceId id)
    {
        var cached = id.Key is null ? _sites.TryGetValue(id.Type, out var site) : _keyedSites.TryGetValue(id, out site);
        if (cached)
        {
            return site;
        }

        site = PlanService(id);
        if (id.Key is null)
        {
            _sites[id.Type] = site;
        }
        else if (KeepKeyed())
        {
            _keyedSites[id] = site;
        }

        return site;
    }

    /// <summary>
    /// Whether one more keyed entry may be kept. Keys come from the application at run time (any key for a
    /// <see cref="KeyedService.AnyKey"/> registration, or keys nothing answers for), and the plan lives as long as the
    /// process: past <see cref="MaxKeyedEntries"/> such entries, a keyed service is planned each time it is asked for.
    /// </summary>
    private bool KeepKeyed() => _keyedEntries < MaxKeyedEntries && ++_keyedEntries > 0;
}
