using Microsoft.Extensions.Logging;

namespace TenantKit.AspNetCore.Diagnostics;

/// <summary>Source-generated log messages of the ASP.NET Core adapter. Event ids are stable: 5xxx.</summary>
internal static partial class AdapterLog
{
    [LoggerMessage(5001, LogLevel.Debug, "Refused the request with {Status} {ProblemType}.")]
    public static partial void Refused(ILogger logger, int status, string problemType);

    [LoggerMessage(5002, LogLevel.Warning, "A request reached {Component} without passing UseTenantKit(): it is treated as no tenant's and {Consequence}. Place {Component} after UseTenantKit().")]
    public static partial void MissingTenantMiddleware(ILogger logger, string component, string consequence);

    [LoggerMessage(5003, LogLevel.Debug, "Refused the request with {Status} {ProblemType}: the application threw a TenantKit refusal while serving it.")]
    public static partial void RefusedThrown(ILogger logger, int status, string problemType, Exception exception);

    [LoggerMessage(5004, LogLevel.Warning, "The endpoint {Endpoint} requires the feature '{Feature}', which is not declared: no tenant can reach it. Declare it with AddFeature, or fix the id in RequireFeature.")]
    public static partial void UndeclaredFeature(ILogger logger, string endpoint, string feature);
}
