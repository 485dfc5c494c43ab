using Microsoft.Extensions.DependencyInjection;
using TenantKit.Caching;
using TenantKit.Features;
using TenantKit.Resolution;

namespace TenantKit.Runtime;

/// <summary>What the builder collected about tenant containers: per-tenant registrations, isolation, hooks.</summary>
internal sealed class TenantServicesConfiguration
{
    public TenantServicesConfiguration(IServiceCollection hostServices)
    {
        HostServices = hostServices;
    }

    /// <summary>The application's own registrations, read when the first tenant is built.</summary>
    public IServiceCollection HostServices { get; }

    /// <summary>The declared resolution strategies, in order, for every context type.</summary>
    public List<StrategyRegistration> Strategies { get; } = [];

    public List<Action<TenantInfo, IServiceCollection>> ConfigureServices { get; } = [];

    /// <summary>The declared features and plans.</summary>
    public TenantFeatureRegistry Features { get; } = new();

    /// <summary>Whether the feature hooks (services, activation, unloading) are added to tenant builds.</summary>
    public bool FeaturesWired { get; set; }

    /// <summary>Services never shared with the host, even when the host registered them as singletons.</summary>
    public HashSet<Type> IsolatedServices { get; } = [];

    /// <summary>
    /// Full names of services isolated like <see cref="IsolatedServices"/>, for types the core cannot reference. Empty
    /// by default: adapters isolate their framework's types by type (the ASP.NET Core adapter does MVC's cache tag
    /// helpers).
    /// </summary>
    public HashSet<string> IsolatedServiceNames { get; } = new(StringComparer.Ordinal)
    {
    };

    /// <summary>
    /// Host singletons the start-up check lets depend on tenant-only services: shared with every tenant on purpose,
    /// with what the host built them from.
    /// </summary>
    public HashSet<Type> SharedDependencies { get; } = [];

    /// <summary>Full names of services never carried into tenant containers.</summary>
    public HashSet<string> ExcludedServiceNames { get; } = new(StringComparer.Ordinal)
    {
        "Microsoft.Extensions.Hosting.IHostedService",
        "Microsoft.AspNetCore.Hosting.IStartupFilter",
        "Microsoft.Extensions.Options.IStartupValidator",
    };

    public List<Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask>> OnActivated { get; } = [];

    public List<Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask>> OnUnloading { get; } = [];

    /// <summary>
    /// Whether a host registration reaches tenant containers as the host's one instance: a singleton, not an open
    /// generic (those are registered anew per tenant), not excluded, not isolated, not an instance (copied as is).
    /// The template and the start-up check both use it, so they always agree on what is shared.
    /// </summary>
    public bool IsForwarded(ServiceDescriptor descriptor)
        => descriptor.Lifetime == ServiceLifetime.Singleton && !descriptor.ServiceType.IsGenericTypeDefinition
            && !IsExcluded(descriptor.ServiceType) && !IsIsolated(descriptor.ServiceType) && !HasInstance(descriptor);

    /// <summary>Whether <paramref name="type"/> is never carried from the host into tenant containers.</summary>
    public bool IsExcluded(Type type)
        => type.FullName is { } name && ExcludedServiceNames.Contains(name)
            || type == typeof(IServiceProvider) || type == typeof(IServiceScopeFactory);

    /// <summary>Whether every tenant builds its own <paramref name="type"/> (also a closed form of an isolated open generic).</summary>
    public bool IsIsolated(Type type)
        => IsolatedServices.Contains(type)
            || (type.IsConstructedGenericType && IsolatedServices.Contains(type.GetGenericTypeDefinition()))
            || (type.FullName is { } name && IsolatedServiceNames.Contains(name));

    /// <summary>
    /// Whether each tenant gets its own <paramref name="type"/>: isolated (built per tenant), or the distributed cache
    /// (a per-tenant view whose keys carry the tenant). A host singleton that takes one would hand every tenant the
    /// host's, which the start-up check refuses.
    /// </summary>
    public bool IsPerTenant(Type type) => IsIsolated(type) || TenantCacheDescriptors.IsPrefixed(type);

    public static bool HasInstance(ServiceDescriptor descriptor)
        => descriptor.IsKeyedService ? descriptor.KeyedImplementationInstance is not null : descriptor.ImplementationInstance is not null;
}
