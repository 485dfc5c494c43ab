using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.Redis;
using TenantKit.Redis.ChangeFeed;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Carries catalog changes between nodes over Redis publish/subscribe.</summary>
public static class RedisChangeFeedBuilderExtensions
{
    /// <summary>
    /// Publishes every change this node makes to the catalog (update, suspend, resume, delete, reload) on a Redis
    /// channel, and applies the changes other nodes publish there: each node drops its cached copy, re-reads the tenant
    /// from the store, and reloads or unloads it, within about a second. Idle and capacity unloads stay local. While
    /// Redis is unreachable the node keeps serving, says so (log, metric, health check), and polls the store's change
    /// log every <see cref="TenantCatalogOptions.FallbackChangePollInterval"/>; when Redis is back it catches up at once.
    /// Calling it again replaces the options.
    /// </summary>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string, such as <c>"redis:6379"</c>.</param>
    /// <param name="configure">Changes the options (channel, node id).</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder UseRedisChangeFeed(this TenantKitBuilder builder, string configuration, Action<RedisChangeFeedOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var services = builder.Services;
        services.AddOptions<RedisChangeFeedOptions>()
            .Configure(o =>
            {
                o.Configuration = configuration;
                configure?.Invoke(o);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisChangeFeedOptions>, RedisChangeFeedOptionsValidator>());
        services.TryAddSingleton(sp => new TenantKit.Redis.Diagnostics.RedisChangeFeedMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<RedisChangeFeed>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisChangeFeedHostedService>());
        return builder;
    }
}
