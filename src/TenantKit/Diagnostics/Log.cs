using Microsoft.Extensions.Logging;

namespace TenantKit;

/// <summary>Source-generated log messages. Event ids are stable: 1xxx catalog, 2xxx resolution, 3xxx runtime, 4xxx administration.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Debug, "Tenant {Identifier} ({TenantId}) {Kind}, version {Version}, remote: {IsRemote}.")]
    public static partial void TenantChanged(ILogger logger, TenantChangeKind kind, string identifier, string tenantId, long version, bool isRemote);

    [LoggerMessage(1002, LogLevel.Error, "A tenant change observer failed on {Kind} of tenant {Identifier}.")]
    public static partial void ChangeObserverFailed(ILogger logger, Exception exception, TenantChangeKind kind, string identifier);

    [LoggerMessage(1003, LogLevel.Warning, "The tenant store failed; serving the cached copy of tenant {Identifier}.")]
    public static partial void ServingStaleTenant(ILogger logger, Exception exception, string identifier);

    [LoggerMessage(1004, LogLevel.Error, "The tenant store failed while looking up {Identifier}, which is not cached.")]
    public static partial void StoreLookupFailed(ILogger logger, Exception exception, string identifier);

    [LoggerMessage(1005, LogLevel.Information, "Configuration tenant store reloaded: {Created} created, {Changed} changed, {Deleted} deleted.")]
    public static partial void ConfigurationStoreReloaded(ILogger logger, int created, int changed, int deleted);

    [LoggerMessage(1006, LogLevel.Error, "The tenant configuration changed but is invalid; the previous tenants stay in effect.")]
    public static partial void ConfigurationStoreInvalid(ILogger logger, Exception exception);

    [LoggerMessage(1007, LogLevel.Warning, "The tenant configuration now lists no tenant; its {Count} tenant(s) are removed only if it still lists none in {Delay} (a file being replaced can read as empty for a moment).")]
    public static partial void ConfigurationStoreEmptied(ILogger logger, int count, TimeSpan delay);

    [LoggerMessage(4001, LogLevel.Information, "Host {Action} tenant {Identifier} ({TenantId}), now version {Version}.")]
    public static partial void HostChangedTenant(ILogger logger, string action, string identifier, string tenantId, long version);

    [LoggerMessage(4002, LogLevel.Warning, "Refused {Operation}: {Reason}")]
    public static partial void HostScopeRefused(ILogger logger, string operation, string reason);

    [LoggerMessage(4003, LogLevel.Information, "Host scope entered: code may now act across tenants.")]
    public static partial void HostScopeEntered(ILogger logger);
}
