using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Runtime.Container;

namespace TenantKit.Runtime;

/// <summary>
/// The start-up check of host singletons (docs/decisions/0001-tenant-container.md): refuses a host singleton that tenants would share while it holds a
/// service every tenant must have its own. Tenant containers forward each host singleton as the host's one instance,
/// and the host built that instance from the host's services, so a singleton that takes <c>IMemoryCache</c> (or any
/// isolated service, the distributed cache tenants see with prefixed keys, or <see cref="TenantInfo"/>), directly or
/// through the services it takes, would hand every tenant the host's copy: a cross-tenant leak nothing else reports.
/// </summary>
/// <remarks>
/// <para>It reads descriptors and constructors and constructs nothing. Each forwarded singleton with an implementation
/// type (the same filter as the template, <see cref="TenantServicesConfiguration.IsForwarded"/>) is analysed through the
/// constructor Microsoft.Extensions.DependencyInjection would pick, chosen by <see cref="ConstructorSelector"/> (the
/// tenant container's own rules) over what the host's registrations can resolve (exact, keyed through
/// <see cref="FromKeyedServicesAttribute"/> and <see cref="ServiceKeyAttribute"/>, <see cref="KeyedService.AnyKey"/>, open
/// generics, <c>IEnumerable&lt;T&gt;</c>, the container's own services, parameters with a default value); a type whose
/// constructors are ambiguous is not followed (the host cannot build it). <see cref="TenantInfo"/> counts as
/// resolvable, since every tenant container has it. Its parameters are followed through the host's registrations whatever their
/// lifetime, since the host resolved all of them, once, to build the shared instance.</para>
/// <para>What it cannot see: factory and instance registrations (their dependencies are in code), and services a
/// constructor fetches itself from <see cref="IServiceProvider"/> or <see cref="IServiceScopeFactory"/>. A dependency
/// cycle is not followed round (the container refuses it when the service is resolved).</para>
/// <para>Cost: each implementation type (with its service key) is analysed once and its result reused, so the check
/// is linear in the registrations reached, and allocates little beyond the reflection itself and one lookup table.</para>
/// </remarks>
internal sealed class HostSingletonCheck : IConstructorArgumentSource<ServiceId?>
{
    private static readonly DependencyChain[] Clean = [];

    // Marks an implementation type under analysis (never returned: only compared by reference).
    private static readonly DependencyChain[] InProgress = new DependencyChain[1];

    private readonly TenantServicesConfiguration _configuration;
    private readonly ServiceDescriptor[] _descriptors;

    // The last registration of each (service type, key), and for each registration the one before it with the same
    // (service type, key), or -1: the container's own lookup, without a list per service type.
    private readonly Dictionary<(Type Type, object? Key), int> _last;
    private readonly int[] _previous;
    private readonly Dictionary<(Type Implementation, object? Key), DependencyChain[]> _analysed = [];

    private HostSingletonCheck(TenantServicesConfiguration configuration)
    {
        _configuration = configuration;
        _descriptors = [.. configuration.HostServices];
        _last = new Dictionary<(Type, object?), int>(_descriptors.Length);
        _previous = new int[_descriptors.Length];
        for (var i = 0; i < _descriptors.Length; i++)
        {
            var key = (_descriptors[i].ServiceType, _descriptors[i].ServiceKey);
            _previous[i] = _last.TryGetValue(key, out var previous) ? previous : -1;
            _last[key] = i;
        }
    }

    /// <summary>
    /// Analyses the host's registrations. Returns <see langword="null"/> when no shared singleton depends on a
    /// tenant-only service, else a message listing each such singleton with the path to every tenant-only service it
    /// reaches, and the fixes.
    /// </summary>
    public static string? Run(TenantServicesConfiguration configuration)
    {
        var check = new HostSingletonCheck(configuration);
        StringBuilder? message = null;
        foreach (var descriptor in check._descriptors)
        {
            if (!configuration.IsForwarded(descriptor) || configuration.SharedDependencies.Contains(descriptor.ServiceType)
                || ImplementationTypeOf(descriptor, descriptor.ServiceType) is not { } implementation)
            {
                continue;
            }

            var found = check.Analyse(implementation, descriptor.ServiceKey);
            if (found.Length > 0)
            {
                message ??= HostSingletonReport.Start();
                HostSingletonReport.Describe(message.AppendLine().Append("- "), descriptor, implementation, found);
            }
        }

        return message is null ? null : HostSingletonReport.End(message);
    }

    /// <summary>The tenant-only services reached from <paramref name="implementation"/> built for <paramref name="key"/>, one path each.</summary>
    private DependencyChain[] Analyse(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type implementation, object? key)
    {
        if (_analysed.TryGetValue((implementation, key), out var known))
        {
            // A cycle: the container refuses it when the service is resolved, and going round finds nothing new.
            return ReferenceEquals(known, InProgress) ? Clean : known;
        }

        _analysed[(implementation, key)] = InProgress;
        List<DependencyChain>? found = null;
        if (ConstructorSelector.TrySelect(implementation, key, this, out _, out var dependencies, out _))
        {
            foreach (var dependency in dependencies)
            {
                if (dependency is { } service)
                {
                    Collect(service.Type, service.Key, ref found);
                }
            }
        }

        var result = found is null ? Clean : [.. found];
        _analysed[(implementation, key)] = result;
        return result;
    }

    /// <summary>Adds the tenant-only services the host brings in when it resolves <paramref name="type"/> for a constructor.</summary>
    private void Collect(Type type, object? key, ref List<DependencyChain>? found)
    {
        if (IsTenantOnly(type))
        {
            Add(ref found, new DependencyChain(type, null, null, tenantOnly: true));
            return;
        }

        if (_configuration.IsPerTenant(type))
        {
            if (Find(type, key) >= 0)
            {
                Add(ref found, new DependencyChain(type, null, null, tenantOnly: false));
            }

            return;
        }

        if (key is null && ServiceTypes.IsBuiltIn(type))
        {
            return;
        }

        var index = Find(type, key);
        if (index >= 0)
        {
            CollectFrom(_descriptors[index], type, key, ref found);
            return;
        }

        if (!ServiceTypes.IsEnumerable(type, out var item))
        {
            return;
        }

        if (IsTenantOnly(item) || _configuration.IsPerTenant(item))
        {
            if (IsTenantOnly(item) || Find(item, key) >= 0)
            {
                Add(ref found, new DependencyChain(item, null, null, IsTenantOnly(item)));
            }

            return;
        }

        for (var i = Last(item, key); i >= 0; i = _previous[i])
        {
            CollectFrom(_descriptors[i], item, key, ref found);
        }

        if (item.IsConstructedGenericType)
        {
            for (var i = Last(item.GetGenericTypeDefinition(), key); i >= 0; i = _previous[i])
            {
                CollectFrom(_descriptors[i], item, key, ref found);
            }
        }
    }

    private void CollectFrom(ServiceDescriptor descriptor, Type service, object? key, ref List<DependencyChain>? found)
    {
        if (ImplementationTypeOf(descriptor, service) is not { } implementation)
        {
            return;
        }

        foreach (var below in Analyse(implementation, key))
        {
            Add(ref found, new DependencyChain(service, implementation, below, below.Leaf.TenantOnly));
        }
    }

    /// <summary>A parameter asking for a service the host can resolve: followed.</summary>
    bool IConstructorArgumentSource<ServiceId?>.TryGetService(Type implementation, ServiceId service, out ServiceId? argument)
    {
        argument = service;
        return IsResolvable(service.Type, service.Key);
    }

    /// <summary>The service key: nothing to follow.</summary>
    ServiceId? IConstructorArgumentSource<ServiceId?>.GetServiceKey(Type implementation, Type parameterType, object key) => null;

    /// <summary>A default value: nothing to follow.</summary>
    ServiceId? IConstructorArgumentSource<ServiceId?>.GetDefault(Type parameterType, object? value) => null;

    private bool IsResolvable(Type type, object? key)
        => IsTenantOnly(type) || (key is null && ServiceTypes.IsBuiltIn(type)) || Find(type, key) >= 0 || ServiceTypes.IsEnumerable(type, out _);

    /// <summary>The registration the container resolves <paramref name="type"/> with <paramref name="key"/> from: exact, any-key, then open generic.</summary>
    private int Find(Type type, object? key)
    {
        var index = Last(type, key);
        if (index < 0 && type.IsConstructedGenericType)
        {
            index = Last(type.GetGenericTypeDefinition(), key);
        }

        return index;
    }

    private int Last(Type type, object? key)
    {
        if (_last.TryGetValue((type, key), out var index))
        {
            return index;
        }

        return key is not null && !Equals(key, KeyedService.AnyKey) && _last.TryGetValue((type, KeyedService.AnyKey), out index) ? index : -1;
    }

    /// <summary>
    /// The type the host builds <paramref name="descriptor"/> with for <paramref name="service"/> (an open generic
    /// closed over its arguments), or null for an instance or a factory, or when it cannot be closed: its arguments
    /// break the implementation's constraints (the container skips it in an enumerable), or, without dynamic code, one
    /// is a value type (the host cannot make it either).
    /// </summary>
    [return: DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    private static Type? ImplementationTypeOf(ServiceDescriptor descriptor, Type service)
    {
        if (TenantServicesConfiguration.HasInstance(descriptor))
        {
            return null;
        }

        var implementation = Descriptors.Implementation(descriptor);
        if (implementation is null || !descriptor.ServiceType.IsGenericTypeDefinition)
        {
            return implementation;
        }

        try
        {
            return ServiceTypes.TryClose(implementation, service.GenericTypeArguments);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsTenantOnly(Type type) => type == typeof(TenantInfo);

    /// <summary>Keeps one path per tenant-only service reached.</summary>
    private static void Add(ref List<DependencyChain>? found, DependencyChain chain)
    {
        found ??= [];
        var leaf = chain.Leaf;
        foreach (var existing in found)
        {
            var other = existing.Leaf;
            if (other.Service == leaf.Service && other.TenantOnly == leaf.TenantOnly)
            {
                return;
            }
        }

        found.Add(chain);
    }
}
