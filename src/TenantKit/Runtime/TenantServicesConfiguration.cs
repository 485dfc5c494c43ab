using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>Services never shared with the host, even when the host registered them as singletons.</summary>
    public HashSet<Type> IsolatedServices { get; } = [];

    /// <summary>Full names of services never carried into tenant containers.</summary>
    public HashSet<string> ExcludedServiceNames { get; } = new(StringComparer.Ordinal)
    {
        "Microsoft.Extensions.Hosting.IHostedService",
        "Microsoft.AspNetCore.Hosting.IStartupFilter",
        "Microsoft.Extensions.Options.IStartupValidator",
    };

    public List<Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask>> OnActivated { get; } = [];

    public List<Func<TenantInfo, IServiceProvider, CancellationToken, ValueTask>> OnUnloading { get; } = [];
}
