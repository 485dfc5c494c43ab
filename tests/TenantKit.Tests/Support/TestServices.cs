using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantKit.Tests.Support;

/// <summary>Builds a real TenantKit container the way an application does.</summary>
internal static class TestServices
{
    /// <summary>A generous bound for waits on real I/O (file watchers); a test that is fine finishes far sooner.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static ServiceProvider Build(
        Action<TenantKitBuilder>? configure = null,
        TimeProvider? time = null,
        Action<IServiceCollection>? services = null,
        ILoggerProvider? logs = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        if (time is not null)
        {
            collection.AddSingleton(time);
        }

        services?.Invoke(collection);
        collection.AddTenantKit(configure);
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    /// <summary>Builds with a <see cref="ControllableTenantStore"/> as the store.</summary>
    public static ServiceProvider Build(ControllableTenantStore store, TimeProvider? time = null, Action<TenantKitBuilder>? configure = null)
        => Build(b =>
        {
            b.WithStore(_ => store);
            configure?.Invoke(b);
        }, time);
}
