using Microsoft.Extensions.Logging;

namespace TenantKit.EfCore;

/// <summary>Source-generated log messages. Event ids are stable: 5xxx, the EF Core adapter.</summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Information, "{ContextType} serves the host: the tenant filter is lifted and it may read and write every tenant's rows.")]
    public static partial void HostScopeLiftsFilter(ILogger logger, string contextType);

    [LoggerMessage(5002, LogLevel.Warning, "Refused on {ContextType}: {Reason}")]
    public static partial void Refused(ILogger logger, string contextType, string reason);

    [LoggerMessage(5003, LogLevel.Information, "Provisioned the database of tenant {Identifier} ({Location}) in {ElapsedMs} ms.")]
    public static partial void Provisioned(ILogger logger, string identifier, string location, double elapsedMs);

    [LoggerMessage(5004, LogLevel.Error, "Provisioning the database of tenant {Identifier} ({Location}) failed; the tenant is not served.")]
    public static partial void ProvisioningFailed(ILogger logger, Exception exception, string identifier, string location);
}
