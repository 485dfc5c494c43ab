using Microsoft.Extensions.Logging;

namespace TenantKit.Runtime;

/// <summary>The tenant runtime's log messages (category <c>TenantKit.Runtime.TenantRuntime</c>), with stable event ids.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(3001, LogLevel.Information, "Tenant {Identifier} generation {Generation} built in {ElapsedMs:F1} ms.")]
    public static partial void Built(ILogger logger, string identifier, long generation, double elapsedMs);

    [LoggerMessage(3002, LogLevel.Error, "Tenant {Identifier} generation {Generation} failed to build; next attempt in {RetryAfter}.")]
    public static partial void BuildFailed(ILogger logger, Exception exception, string identifier, long generation, TimeSpan retryAfter);

    [LoggerMessage(3003, LogLevel.Information, "Tenant {Identifier} generation {Generation} unloaded ({Reason}).")]
    public static partial void Unloaded(ILogger logger, string identifier, long generation, TenantUnloadReason reason);

    [LoggerMessage(3004, LogLevel.Warning, "Tenant {Identifier} generation {Generation} is still draining after {Timeout}: {Leases} lease(s) still out. It will not be disposed until they are released.")]
    public static partial void DrainSlow(ILogger logger, string identifier, long generation, int leases, TimeSpan timeout);

    [LoggerMessage(3005, LogLevel.Error, "Disposing tenant {Identifier} generation {Generation} failed.")]
    public static partial void DisposeFailed(ILogger logger, Exception exception, string identifier, long generation);

    [LoggerMessage(3006, LogLevel.Error, "A hosted service of tenant {Identifier} failed to stop.")]
    public static partial void HostedServiceStopFailed(ILogger logger, Exception exception, string identifier);

    [LoggerMessage(3007, LogLevel.Error, "An unload hook of tenant {Identifier} failed.")]
    public static partial void UnloadHookFailed(ILogger logger, Exception exception, string identifier);

    [LoggerMessage(3008, LogLevel.Information, "Loading {Count} tenant(s) eagerly.")]
    public static partial void EagerLoading(ILogger logger, int count);

    [LoggerMessage(3009, LogLevel.Error, "Eager loading of tenant {Identifier} failed; it will be retried on first use.")]
    public static partial void EagerLoadFailed(ILogger logger, Exception exception, string identifier);

    [LoggerMessage(3013, LogLevel.Error, "Eager loading skipped: the tenant store is unavailable. Tenants will be built on first use.")]
    public static partial void EagerLoadingSkipped(ILogger logger, Exception exception);

    [LoggerMessage(3011, LogLevel.Warning, "Shutdown ended with {Count} tenant generation(s) still draining.")]
    public static partial void ShutdownIncomplete(ILogger logger, int count);

    [LoggerMessage(3012, LogLevel.Error, "Handling {Kind} of tenant {Identifier} failed.")]
    public static partial void ChangeHandlingFailed(ILogger logger, Exception exception, TenantChangeKind kind, string identifier);
}
