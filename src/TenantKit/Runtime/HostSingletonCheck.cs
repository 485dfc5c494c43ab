using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime;

/// <summary>
/// The start-up check of the design's section 5: refuses a host singleton that tenants would share while it holds a
/// service every tenant must have its own. Tenant containers forward each host singleton as the host's one instance,
/// and the host built that instance from the host's services, so a singleton that takes <c>IMemoryCache</c> (or any
/// isolated service, the distributed cache tenants see with prefixed keys, or <see cref="TenantInfo"/>), directly or
/// through the services it takes, would hand every tenant the host's copy: a cross-tenant leak nothing else reports.
/// </summary>
/// <remarks>
/// <para>It reads descriptors and constructors and constructs nothing. Each forwarded singleton with an implementation
/// type (the same filter as the template, <see cref="TenantServicesConfiguration.IsForwarded"/>) is analysed through the
/// constructor Microsoft.Extensions.DependencyInjection would pick: the one with the most parameters that are all
/// resolvable from the host's registrations (exact, keyed through <see cref="FromKeyedServicesAttribute"/> and
/// <see cref="ServiceKeyAttribute"/>, <see cref="KeyedService.AnyKey"/>, open generics, <c>IEnumerable&lt;T&gt;</c>, the
/// container's own services, parameters with a default value). <see cref="TenantInfo"/> counts as resolvable, since
/// every tenant container has it. Its parameters are followed through the host's registrations whatever their
/// lifetime, since the host resolved all of them, once, to build the shared instance.</para>
/// <para>What it cannot see: factory and instance registrations (their dependencies are in code), and services a
/// constructor fetches itself from <see cref="IServiceProvider"/> or <see cref="IServiceScopeFactory"/>. A dependency
/// cycle is not followed round (the container refuses it when the service is resolved).</para>
/// <para>Cost: each implementation type (with its service key) is analysed once and its result reused, so the check
/// is linear in the registrations reached, and allocates little beyond the reflection itself and one lookup table.</para>
/// </remarks>
internal sealed class HostSingletonCheck
{
    private static readonly Chain[] Clean = [];

    // Marks an implementation type under analysis (never returned: only compared by reference).
    private static readonly Chain[] InProgress = new Chain[1];

    private readonly TenantServicesConfiguration _configuration;
    private readonly ServiceDescriptor[] _descriptors;

    // The last registration of each (service type, key), and for each registration the one before it with the same
    // (service type, key), or -1: the container's own lookup, without a list per service type.
    private readonly Dictionary<(Type Type, object? Key), int> _last;
    private readonly int[] _previous;
    private readonly Dictionary<(Type Implementation, object? Key), Chain[]> _analysed = [];

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
                message ??= new StringBuilder(
                    "TenantKit refused to start: every tenant gets a host singleton as the host's one instance, built from the host's services, " +
                    "so these would give every tenant the host's copy of a service each tenant must have its own:");
                Describe(message.AppendLine().Append("- "), descriptor, implementation, found);
            }
        }

        return message?.AppendLine()
            .Append("If a singleton must share the host's services with every tenant on purpose, exempt it with AllowSharedDependencies<T>().")
            .ToString();
    }

    private static void Describe(StringBuilder message, ServiceDescriptor descriptor, Type implementation, Chain[] found)
    {
        message.Append("Host singleton '");
        AppendName(message, descriptor.ServiceType).Append('\'');
        if (descriptor.ServiceKey is { } key)
        {
            message.Append(" (key '").Append(key).Append("')");
        }

        for (var i = 0; i < found.Length; i++)
        {
            var leaf = found[i].Leaf;
            message.Append(i == 0 ? " depends on '" : ", and on '");
            AppendName(message, leaf.Service).Append(leaf.TenantOnly ? "', which exists only inside a tenant (" : "', which every tenant must get its own (");
            AppendStep(message, descriptor.ServiceType, implementation);
            for (var step = found[i]; step is not null; step = step.Next)
            {
                AppendStep(message.Append(" -> "), step.Service, step.Implementation);
            }

            message.Append(')');
        }

        message.Append(". Register ");
        AppendName(message, descriptor.ServiceType).Append(" as scoped, or isolate it with IsolateService<");
        AppendName(message, descriptor.ServiceType).Append(">() so each tenant builds its own.");
    }

    /// <summary>The tenant-only services reached from <paramref name="implementation"/> built for <paramref name="key"/>, one path each.</summary>
    private Chain[] Analyse(Type implementation, object? key)
    {
        if (_analysed.TryGetValue((implementation, key), out var known))
        {
            // A cycle: the container refuses it when the service is resolved, and going round finds nothing new.
            return ReferenceEquals(known, InProgress) ? Clean : known;
        }

        _analysed[(implementation, key)] = InProgress;
        List<Chain>? found = null;
        if (SelectConstructor(implementation, key) is { } parameters)
        {
            foreach (var parameter in parameters)
            {
                if (key is not null && parameter.IsDefined(typeof(ServiceKeyAttribute), true))
                {
                    continue;
                }

                var (type, parameterKey) = DependencyOf(parameter, key);
                Collect(type, parameterKey, ref found);
            }
        }

        var result = found is null ? Clean : [.. found];
        _analysed[(implementation, key)] = result;
        return result;
    }

    /// <summary>Adds the tenant-only services the host brings in when it resolves <paramref name="type"/> for a constructor.</summary>
    private void Collect(Type type, object? key, ref List<Chain>? found)
    {
        if (IsTenantOnly(type))
        {
            Add(ref found, new Chain(type, null, null, tenantOnly: true));
            return;
        }

        if (_configuration.IsPerTenant(type))
        {
            if (Find(type, key) >= 0)
            {
                Add(ref found, new Chain(type, null, null, tenantOnly: false));
            }

            return;
        }

        if (key is null && IsContainerService(type))
        {
            return;
        }

        var index = Find(type, key);
        if (index >= 0)
        {
            CollectFrom(_descriptors[index], type, key, ref found);
            return;
        }

        if (!IsEnumerable(type, out var item))
        {
            return;
        }

        if (IsTenantOnly(item) || _configuration.IsPerTenant(item))
        {
            if (IsTenantOnly(item) || Find(item, key) >= 0)
            {
                Add(ref found, new Chain(item, null, null, IsTenantOnly(item)));
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

    private void CollectFrom(ServiceDescriptor descriptor, Type service, object? key, ref List<Chain>? found)
    {
        if (ImplementationTypeOf(descriptor, service) is not { } implementation)
        {
            return;
        }

        foreach (var below in Analyse(implementation, key))
        {
            Add(ref found, new Chain(service, implementation, below, below.Leaf.TenantOnly));
        }
    }

    /// <summary>
    /// The parameters of the constructor the container would call: the one with the most parameters that are all
    /// resolvable, or <see langword="null"/> when there is none (the host cannot build it, and the template reports it).
    /// </summary>
    private ParameterInfo[]? SelectConstructor(Type implementation, object? key)
    {
        ParameterInfo[]? best = null;
        foreach (var constructor in implementation.GetConstructors())
        {
            var parameters = constructor.GetParameters();
            if ((best is null || parameters.Length > best.Length) && AllResolvable(parameters, key))
            {
                best = parameters;
            }
        }

        return best;
    }

    private bool AllResolvable(ParameterInfo[] parameters, object? key)
    {
        foreach (var parameter in parameters)
        {
            if (key is not null && parameter.IsDefined(typeof(ServiceKeyAttribute), true))
            {
                continue;
            }

            var (type, parameterKey) = DependencyOf(parameter, key);
            if (!IsResolvable(type, parameterKey) && !HasDefaultValue(parameter))
            {
                return false;
            }
        }

        return true;
    }

    private bool IsResolvable(Type type, object? key)
        => IsTenantOnly(type) || (key is null && IsContainerService(type)) || Find(type, key) >= 0 || IsEnumerable(type, out _);

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

    private static (Type Type, object? Key) DependencyOf(ParameterInfo parameter, object? serviceKey)
    {
        if (!parameter.IsDefined(typeof(FromKeyedServicesAttribute), true))
        {
            return (parameter.ParameterType, null);
        }

        var keyed = parameter.GetCustomAttribute<FromKeyedServicesAttribute>(true)!;
        return keyed.LookupMode switch
        {
            ServiceKeyLookupMode.InheritKey => (parameter.ParameterType, serviceKey),
            ServiceKeyLookupMode.NullKey => (parameter.ParameterType, null),
            _ => (parameter.ParameterType, keyed.Key),
        };
    }

    private static Type? ImplementationTypeOf(ServiceDescriptor descriptor, Type service)
    {
        if (TenantServicesConfiguration.HasInstance(descriptor))
        {
            return null;
        }

        var implementation = descriptor.IsKeyedService ? descriptor.KeyedImplementationType : descriptor.ImplementationType;
        if (implementation is null || !descriptor.ServiceType.IsGenericTypeDefinition)
        {
            return implementation;
        }

        try
        {
            return implementation.MakeGenericType(service.GenericTypeArguments);
        }
        catch (ArgumentException)
        {
            // The closed type breaks the implementation's constraints: the container skips it in an enumerable.
            return null;
        }
    }

    private static bool HasDefaultValue(ParameterInfo parameter)
    {
        try
        {
            return parameter.HasDefaultValue;
        }
        catch (FormatException)
        {
            // A DateTime default the reflection cannot read: the container still treats it as having one.
            return true;
        }
    }

    private static bool IsTenantOnly(Type type) => type == typeof(TenantInfo);

    private static bool IsContainerService(Type type)
        => type == typeof(IServiceProvider) || type == typeof(IServiceScopeFactory)
            || type == typeof(IServiceProviderIsService) || type == typeof(IServiceProviderIsKeyedService);

    private static bool IsEnumerable(Type type, out Type item)
    {
        if (type.IsConstructedGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            item = type.GenericTypeArguments[0];
            return true;
        }

        item = type;
        return false;
    }

    /// <summary>Keeps one path per tenant-only service reached.</summary>
    private static void Add(ref List<Chain>? found, Chain chain)
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

    private static void AppendStep(StringBuilder message, Type service, Type? implementation)
    {
        AppendName(message, service);
        if (implementation is not null && implementation != service)
        {
            AppendName(message.Append('('), implementation).Append(')');
        }
    }

    /// <summary>A type's C# name without namespace: <c>IOptions&lt;MailOptions&gt;</c>.</summary>
    private static StringBuilder AppendName(StringBuilder message, Type type)
    {
        if (!type.IsGenericType)
        {
            return message.Append(type.Name);
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        message.Append(name, 0, tick < 0 ? name.Length : tick).Append('<');
        var arguments = type.GetGenericArguments();
        for (var i = 0; i < arguments.Length; i++)
        {
            AppendName(i == 0 ? message : message.Append(", "), arguments[i]);
        }

        return message.Append('>');
    }

    /// <summary>One step of a path from a shared singleton to a tenant-only service (the last step, <see cref="Next"/> null).</summary>
    private sealed class Chain(Type service, Type? implementation, Chain? next, bool tenantOnly)
    {
        public Type Service { get; } = service;

        public Type? Implementation { get; } = implementation;

        public Chain? Next { get; } = next;

        /// <summary>The tenant-only service at the end is <see cref="TenantInfo"/> (else an isolated service).</summary>
        public bool TenantOnly { get; } = tenantOnly;

        public Chain Leaf
        {
            get
            {
                var step = this;
                while (step.Next is not null)
                {
                    step = step.Next;
                }

                return step;
            }
        }
    }
}
