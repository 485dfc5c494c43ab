using System.Net.Http.Json;
using System.Text.Json;

namespace TenantKit.AspNetCore.Tests.Infrastructure;

/// <summary>A problem document as a client reads it.</summary>
public sealed record ProblemDocument(string? Type, string? Title, int? Status, string? Detail, Dictionary<string, string[]>? Errors);

internal static class ProblemReading
{
    public static async Task<ProblemDocument> ReadProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ProblemDocument>(new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;
    }
}
