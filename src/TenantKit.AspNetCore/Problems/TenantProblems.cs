using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.AspNetCore.Problems;

/// <summary>Writes RFC 9457 problem documents: through the application's <see cref="IProblemDetailsService"/> when it has one, else directly.</summary>
internal static class TenantProblems
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext context, int status, string type, string title, string detail, TimeSpan? retryAfter = null)
        => WriteAsync(context, new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail }, retryAfter);

    public static Task WriteValidationAsync(HttpContext context, IReadOnlyDictionary<string, string[]> errors, string detail)
    {
        var problem = new HttpValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal))
        {
            Status = StatusCodes.Status400BadRequest,
            Type = TenantProblemTypes.Validation,
            Title = "The tenant data is invalid.",
            Detail = detail,
        };
        return WriteAsync(context, problem, retryAfter: null);
    }

    /// <param name="context">The request.</param>
    /// <param name="problem">The document.</param>
    /// <param name="retryAfter">The <c>Retry-After</c>, if any.</param>
    /// <param name="noStore">
    /// Sets <c>Cache-Control: no-store</c> (every TenantKit refusal does); off only for the answer that must look like
    /// ASP.NET Core's own 404.
    /// </param>
    public static async Task WriteAsync(HttpContext context, ProblemDetails problem, TimeSpan? retryAfter, bool noStore = true)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (noStore)
        {
            response.Headers.CacheControl = "no-store";
        }

        if (context.RequestServices.GetService<IProblemDetailsService>() is { } service
            && await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).ConfigureAwait(false))
        {
            return;
        }

        response.ContentType = ContentType;
        if (problem is HttpValidationProblemDetails validation)
        {
            await JsonSerializer.SerializeAsync(response.Body, validation, ProblemJsonContext.Default.HttpValidationProblemDetails, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            await JsonSerializer.SerializeAsync(response.Body, problem, ProblemJsonContext.Default.ProblemDetails, context.RequestAborted).ConfigureAwait(false);
        }
    }
}

/// <summary>Serializes problem documents without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(int))]
internal sealed partial class ProblemJsonContext : JsonSerializerContext;
