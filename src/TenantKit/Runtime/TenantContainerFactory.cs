using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Caching;
using TenantKit.Runtime.Container;

namespace TenantKit.Runtime;

/// <summary>
/// Builds tenant containers from three layers: the application's registrations (host singletons forwarded to the
/// host's one instance, open-generic singletons such as options and loggers registered anew, scoped and transient
/// copied), the isolated services (never shared), and the tenant's own registrations. The first layer is computed
/// once into a template of shared, immutable descriptors, so a tenant build allocates only its own container.
/// </summary>
internal sealed partial class TenantContainerFactory
{
    private readonly TenantServicesConfiguration _configuration;
    private readonly IServiceProvider _host;
    private readonly IOptions<TenantRuntimeOptions> _options;
    private readonly ILogger _logger;
    private readonly Lazy<PlanCache> _plans;
    private readonly Lock _templateGate = new();
    private ServiceDescriptor[]? _template;
    private bool _checked;
    private string? _sharingError;

    public TenantContainerFactory(
        TenantServicesConfiguration configuration,
        IServiceProvider host,
        IOptions<TenantRuntimeOptions> options,
        ILogger<TenantContainerFactory> logger)
    {
        _configuration = configuration;
        _host = host;
        _options = options;
        _logger = logger;
        _plans = new Lazy<PlanCache>(() => new PlanCache(_options.Value.ValidateScopes), LazyThreadSafetyMode.PublicationOnly);
        _configuration.IsolatedServices.Add(typeof(IMemoryCache));

        // The default HybridCache takes IMemoryCache (its L1) and IDistributedCache (its L2) from the container that
        // builds it: built per tenant, its L1 is the tenant's own and its L2 the tenant's prefixed view, and its tag
        // invalidations (kept in its own memory and under L2 keys) stay the tenant's too.
        _configuration.IsolatedServices.Add(typeof(HybridCache));
    }

    /// <summary>The number of descriptors every tenant container starts with. For tests and benchmarks.</summary>
    internal int TemplateSize => GetTemplate().Length;

    /// <summary>The number of resolution plans kept for reuse. For tests.</summary>
    internal int PlanCount => _plans.IsValueCreated ? _plans.Value.Count : 0;

    /// <summary>
    /// Builds a tenant's container: the template, the tenant, and what the tenant's configuration adds. Containers
    /// whose registrations have the same shape (types, keys, lifetimes, implementation types) share one
    /// <see cref="ContainerPlan"/>; the container keeps only its own values.
    /// </summary>
    public ContainerScope Build(TenantInfo tenant)
    {
        var template = GetTemplate();
        var services = new TenantServiceCollection(template);
        services.AddSingleton(tenant);
        foreach (var configure in _configuration.ConfigureServices)
        {
            configure(tenant, services);
        }

        // The template's descriptors are shared by every tenant (the host's forwarded instances, the application's
        // factories); when a tenant's configuration removed or replaced one of them, every descriptor is its own.
        var ownStart = services.SharedCount;
        var own = services.Own();
        return new ContainerScope(_plans.Value.Get(template, ownStart, own), own);
    }

    /// <summary>
    /// Runs the start-up check (<see cref="HostSingletonCheck"/>) once: throws if a host singleton that every tenant
    /// shares depends on a service each tenant must have its own. The hosted service calls it at start, and the
    /// template calls it before its first tenant, so no tenant is built past a failed check.
    /// </summary>
    /// <exception cref="InvalidOperationException">A shared host singleton depends on a tenant-only service.</exception>
    public void ValidateHostSingletons()
    {
        lock (_templateGate)
        {
            CheckHostSingletons();
        }
    }

    private void CheckHostSingletons()
    {
        if (!_checked)
        {
            _sharingError = HostSingletonCheck.Run(_configuration);
            _checked = true;
        }

        if (_sharingError is not null)
        {
            throw new InvalidOperationException(_sharingError);
        }
    }

    private ServiceDescriptor[] GetTemplate()
    {
        var template = Volatile.Read(ref _template);
        if (template is not null)
        {
            return template;
        }

        lock (_templateGate)
        {
            return _template ??= CreateTemplate();
        }
    }

    private ServiceDescriptor[] CreateTemplate()
    {
        CheckHostSingletons();
        var hostDescriptors = _configuration.HostServices.ToArray();
        var result = new List<ServiceDescriptor>(hostDescriptors.Length);
        var groups = new Dictionary<(Type Type, object? Key), List<int>>();
        for (var i = 0; i < hostDescriptors.Length; i++)
        {
            var d = hostDescriptors[i];
            if (_configuration.IsForwarded(d))
            {
                var key = (d.ServiceType, d.ServiceKey);
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = [];
                }

                list.Add(i);
            }
        }

        // Every registration of a forwarded (type, key), forwarded or not (an instance, a scoped one), in order: the
        // host resolves by position among all of them.
        var registrations = new Dictionary<(Type Type, object? Key), List<int>>(groups.Count);
        for (var i = 0; i < hostDescriptors.Length; i++)
        {
            var key = (hostDescriptors[i].ServiceType, hostDescriptors[i].ServiceKey);
            if (groups.ContainsKey(key))
            {
                if (!registrations.TryGetValue(key, out var list))
                {
                    registrations[key] = list = [];
                }

                list.Add(i);
            }
        }

        // Forwarded singletons are registered as instances: a container never disposes an instance it was given,
        // so unloading a tenant can never dispose a host singleton. The host's instances are resolved once, here.
        var forwarded = new Dictionary<int, ServiceDescriptor>();
        foreach (var ((type, key), indexes) in groups)
        {
            object?[] instances;
            try
            {
                instances = ResolveAll(type, key, indexes, registrations[(type, key)]);
            }
            catch (Exception ex)
            {
                Log.HostSingletonUnavailable(_logger, ex, type.FullName ?? type.Name);
                var message = $"The host singleton '{type.FullName}' could not be created for tenant containers: {ex.Message}";
                foreach (var index in indexes)
                {
                    forwarded[index] = Describe(type, key, _ => throw new InvalidOperationException(message, ex));
                }

                continue;
            }

            for (var n = 0; n < indexes.Count; n++)
            {
                forwarded[indexes[n]] = instances[n] is { } instance
                    ? (key is null ? ServiceDescriptor.Singleton(type, instance) : ServiceDescriptor.KeyedSingleton(type, key, instance))
                    : hostDescriptors[indexes[n]];
            }
        }

        for (var i = 0; i < hostDescriptors.Length; i++)
        {
            var d = hostDescriptors[i];
            if (IsExcluded(d.ServiceType))
            {
                continue;
            }

            if (IsIsolated(d.ServiceType) && HasInstance(d))
            {
                throw new InvalidOperationException(
                    $"'{d.ServiceType.FullName}' must never be shared between tenants, but the host registered it as an instance. Register it by type or factory so each tenant gets its own.");
            }
            else if (TenantCacheDescriptors.IsPrefixed(d.ServiceType))
            {
                // The host's distributed cache (forwarded as its instance, or as registered): a view per tenant that
                // prefixes every key with the tenant. Isolating the instance would not do: tenants would still meet in
                // the same Redis or SQL Server table, under the same keys.
                TenantCacheDescriptors.AddPrefixed(result, forwarded.TryGetValue(i, out var shared) ? shared : d, i);
            }
            else if (forwarded.TryGetValue(i, out var forward))
            {
                result.Add(forward);
            }
            else
            {
                // Open generics (options, loggers), scoped, transient, isolated and instance registrations.
                result.Add(d);
            }
        }

        return [.. result];
    }

    /// <summary>
    /// The host's instances of the forwarded registrations <paramref name="indexes"/>, by position among all the
    /// registrations of the (type, key), <paramref name="registrations"/>: the host's last one is what it resolves alone.
    /// </summary>
    private object?[] ResolveAll(Type type, object? key, List<int> indexes, List<int> registrations)
    {
        var isLast = indexes[^1] == registrations[^1];
        if (indexes.Count == 1 && isLast)
        {
            return [ResolveOne(type, key)];
        }

        var result = new object?[indexes.Count];
        var all = ResolveEnumerable(type, key);
        if (all is not null && all.Length == registrations.Count)
        {
            for (var n = 0; n < indexes.Count; n++)
            {
                result[n] = all[registrations.IndexOf(indexes[n])];
            }

            return result;
        }

        // An open generic also answers this closed type: registration order cannot be matched, so only the last
        // registration is forwarded (when it is a forwarded one) and the others are built per tenant.
        if (isLast)
        {
            result[^1] = ResolveOne(type, key);
        }

        return result;
    }

    /// <summary>
    /// Every instance the host resolves for (<paramref name="type"/>, <paramref name="key"/>), in order; null when the
    /// host cannot make the enumerable without dynamic code (a value type, under native AOT).
    /// </summary>
    [UnconditionalSuppressMessage(
        "AOT",
        "IL3050:RequiresDynamicCode",
        Justification = "Without dynamic code a value type is refused first; IEnumerable<T> over a reference type shares canonical native code.")]
    private object?[]? ResolveEnumerable(Type type, object? key)
    {
        if (ServiceTypes.VerifyAotCompatibility && type.IsValueType)
        {
            return null;
        }

        var enumerable = typeof(IEnumerable<>).MakeGenericType(type);
        var all = key is null ? _host.GetService(enumerable) : ((IKeyedServiceProvider)_host).GetKeyedService(enumerable, key);
        return all is IEnumerable<object?> items ? [.. items] : null;
    }

    private object? ResolveOne(Type type, object? key)
        => key is null ? _host.GetService(type) : ((IKeyedServiceProvider)_host).GetKeyedService(type, key);

    private static ServiceDescriptor Describe(Type type, object? key, Func<IServiceProvider, object> factory)
        => key is null ? ServiceDescriptor.Singleton(type, factory) : ServiceDescriptor.KeyedSingleton(type, key, (sp, _) => factory(sp));

    private static bool HasInstance(ServiceDescriptor d) => TenantServicesConfiguration.HasInstance(d);

    private bool IsExcluded(Type type) => _configuration.IsExcluded(type);

    private bool IsIsolated(Type type) => _configuration.IsIsolated(type);

    private static partial class Log
    {
        [LoggerMessage(3010, LogLevel.Warning, "The host singleton {ServiceType} could not be created for tenant containers; tenants that use it will fail.")]
        public static partial void HostSingletonUnavailable(ILogger logger, Exception exception, string serviceType);
    }
}
