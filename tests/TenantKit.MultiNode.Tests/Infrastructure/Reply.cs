using System.Text.Json;

namespace TenantKit.MultiNode.Tests.Infrastructure;

/// <summary>A node's answer, read in full: status, body, and the problem type when it is a problem document.</summary>
public sealed record Reply(string Node, HttpStatusCode Status, string Body, string? ContentType, string? ETag)
{
    /// <summary>A request that got no answer at all (connection refused or reset, timeout).</summary>
    public static Reply Failed(string node, Exception error) => new(node, 0, $"{error.GetType().Name}: {error.Message}", null, null);

    public bool IsFailure => Status == 0;

    public string? ProblemType => ContentType == "application/problem+json" && Body.Length > 0
        ? JsonDocument.Parse(Body).RootElement.TryGetProperty("type", out var type) ? type.GetString() : null
        : null;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>The value of a string property of the JSON body.</summary>
    public string? Get(string property) => Json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static async Task<Reply> ReadAsync(string node, HttpResponseMessage response) => new(
        node,
        response.StatusCode,
        await response.Content.ReadAsStringAsync(),
        response.Content.Headers.ContentType?.MediaType,
        response.Headers.ETag?.Tag);

    public override string ToString() => $"{Node}: {(IsFailure ? "no answer" : ((int)Status).ToString(System.Globalization.CultureInfo.InvariantCulture))} {(Body.Length > 300 ? Body[..300] + "..." : Body)}";
}
