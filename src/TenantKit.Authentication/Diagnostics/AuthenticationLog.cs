using Microsoft.Extensions.Logging;

namespace TenantKit.Authentication.Diagnostics;

/// <summary>Source-generated log messages of the authentication package. Event ids are stable: 7xxx.</summary>
internal static partial class AuthenticationLog
{
    [LoggerMessage(7001, LogLevel.Warning, "Tenant {TenantId}: the {Scheme} scheme is off because its settings ({Source}) are invalid: {Problems}")]
    public static partial void InvalidSettings(ILogger logger, string tenantId, string scheme, string source, string problems);

    [LoggerMessage(7002, LogLevel.Debug, "The {Scheme} scheme has no settings for this request (tenant {TenantId}): no user, and a challenge is refused.")]
    public static partial void NotConfigured(ILogger logger, string scheme, string? tenantId);

    [LoggerMessage(7003, LogLevel.Warning, "The {Scheme} scheme's options were built for tenant {BoundTenantId} but the request is served for {TenantId}: refused.")]
    public static partial void CrossTenant(ILogger logger, string scheme, string boundTenantId, string? tenantId);
}
