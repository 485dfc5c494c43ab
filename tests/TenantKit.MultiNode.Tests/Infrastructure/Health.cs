using System.Text.Json;

namespace TenantKit.MultiNode.Tests.Infrastructure;

/// <summary>A node's <c>/health</c> document: overall status and each check's.</summary>
public sealed record Health(HttpStatusCode Code, string Status, IReadOnlyDictionary<string, string> Checks, string Body)
{
    public const string Catalog = "tenantkit-catalog";
    public const string ChangeFeed = "tenantkit-change-feed";
    public const string RateLimits = "tenantkit-rate-limits";

    public string? this[string check] => Checks.TryGetValue(check, out var status) ? status : null;

    public static async Task<Health> ReadAsync(NodeProcess node)
    {
        try
        {
            using var response = await node.Client.GetAsync("/health");
            var body = await response.Content.ReadAsStringAsync();
            using var document = JsonDocument.Parse(body);
            var checks = document.RootElement.GetProperty("entries").EnumerateObject()
                .ToDictionary(e => e.Name, e => e.Value.GetProperty("status").GetString()!, StringComparer.Ordinal);
            return new Health(response.StatusCode, document.RootElement.GetProperty("status").GetString()!, checks, body);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or JsonException)
        {
            return new Health(0, "NoAnswer", new Dictionary<string, string>(), e.Message);
        }
    }

    public override string ToString() => $"{(int)Code} {Body}";
}
