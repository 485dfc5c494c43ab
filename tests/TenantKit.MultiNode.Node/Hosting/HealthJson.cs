using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TenantKit.MultiNode.Node.Hosting;

/// <summary>
/// Writes the health report as JSON, every check with its status and description, so the tests can see which check
/// is degraded: <c>{"node":"a","status":"Degraded","entries":{"tenantkit-change-feed":{"status":"Degraded",...}}}</c> (camelCase).
/// </summary>
public static class HealthJson
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var node = context.RequestServices.GetRequiredService<NodeSettings>();
        var entries = report.Entries.ToDictionary(
            e => e.Key,
            e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description, e.Value.Exception?.Message),
            StringComparer.Ordinal);
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new HealthDocument(node.Id, report.Status.ToString(), entries), JsonSerializerOptions.Web, context.RequestAborted);
    }

    public sealed record HealthDocument(string Node, string Status, Dictionary<string, HealthEntry> Entries);

    public sealed record HealthEntry(string Status, string? Description, string? Error);
}
