using Microsoft.Extensions.Logging;

namespace TenantKit.Identity.Diagnostics;

/// <summary>Source-generated log messages. Event ids are stable: 7xxx, the Identity package.</summary>
internal static partial class Log
{
    [LoggerMessage(7001, LogLevel.Information, "Created tenant {TenantId} ({Identifier}) with its first administrator.")]
    public static partial void TenantCreatedWithAdministrator(ILogger logger, string tenantId, string identifier);

    [LoggerMessage(7002, LogLevel.Warning, "The administrator of new tenant {TenantId} ({Identifier}) could not be made; the tenant is deleted again.")]
    public static partial void TenantCreationUndone(ILogger logger, Exception exception, string tenantId, string identifier);

    [LoggerMessage(7003, LogLevel.Warning, "The host acts on the users of tenant {TenantId} ({Identifier}).")]
    public static partial void HostActsOnTenantUsers(ILogger logger, string tenantId, string identifier);

    [LoggerMessage(7004, LogLevel.Information, "Tenant administrator {AdministratorId} {Action} user {UserId}.")]
    public static partial void UserAdministered(ILogger logger, string administratorId, string action, string userId);
}
