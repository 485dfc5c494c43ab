using System.Globalization;
using System.Text.Json;
using TenantKit.AspNetCore.Problems;

namespace TenantKit.AspNetCore.Administration;

/// <summary>Reads what an administration request carries: route id, query values, JSON body; and writes ETags.</summary>
internal static class AdministrationRequestReader
{
    /// <summary>Reads the JSON body; <see langword="null"/> with a validation problem written when it is not a valid document.</summary>
    public static async Task<T?> ReadBodyAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        string? problem;
        try
        {
            var body = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted).ConfigureAwait(false);
            if (body is not null)
            {
                return body;
            }

            problem = "A JSON object is required.";
        }
        catch (JsonException ex)
        {
            problem = ex.Path is { Length: > 0 } path && path != "$" ? $"{path}: {FirstSentence(ex.Message)}" : FirstSentence(ex.Message);
        }

        await TenantProblems.WriteValidationAsync(context, new Dictionary<string, string[]> { ["body"] = [problem] }, "The request body is not a valid tenant document.").ConfigureAwait(false);
        return null;
    }

    /// <summary>The first sentence of a parser's message (the rest repeats the input).</summary>
    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    /// <summary>The route's tenant id.</summary>
    public static string Id(HttpContext context) => context.Request.RouteValues["id"] as string ?? string.Empty;

    /// <summary>The ETag of a tenant version.</summary>
    public static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>A query value, or <see langword="null"/> when absent or empty.</summary>
    public static string? Optional(IQueryCollection query, string name)
        => query.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value.ToString()) ? value.ToString() : null;

    /// <summary>A whole-number query value within bounds; an error is recorded in <paramref name="errors"/> otherwise.</summary>
    public static int ReadInt(IQueryCollection query, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (!query.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (int.TryParse(text.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [$"must be a whole number from {min} to {max}."];
        return fallback;
    }

    /// <summary>Parses <c>active</c> or <c>suspended</c>, in any case.</summary>
    public static bool TryParseState(string text, out TenantState state)
    {
        if (string.Equals(text, "active", StringComparison.OrdinalIgnoreCase))
        {
            state = TenantState.Active;
            return true;
        }

        if (string.Equals(text, "suspended", StringComparison.OrdinalIgnoreCase))
        {
            state = TenantState.Suspended;
            return true;
        }

        state = default;
        return false;
    }
}
