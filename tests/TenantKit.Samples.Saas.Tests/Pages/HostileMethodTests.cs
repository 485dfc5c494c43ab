using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Pages;

/// <summary>
/// Every method on every route of the sample (read from its endpoints, so a new page is covered without a change here),
/// on a tenant's host, a tenant's path, an unknown tenant's host and the bare host, as an attacker would send them, in
/// Development and in Production: never a 500, and every refusal a problem document.
/// </summary>
public sealed class HostileMethodTests
{
    private static readonly string[] Methods = ["TRACE", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "FOO", "GET", "POST"];

    /// <summary>Where a route is asked for: a tenant's host, a tenant's path base, an unknown tenant, the bare host.</summary>
    private static readonly Func<string, string>[] Places = [path => At("acme", path), path => Host("/t/globex" + path), path => At("nobody", path), path => Host(path)];

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task AnyMethod_OnAnyRoute_OnAnyHost_IsNeverA500_AndEveryRefusalIsAProblemDocument(string environment)
    {
        await using var app = new SampleApp(environment: environment);
        using var client = app.CreateBrowserLikeClient();
        var paths = RoutePaths(app.Services);
        Assert.Contains("/", paths);
        Assert.Contains("/console", paths, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("/notes/1/edit", paths, StringComparer.OrdinalIgnoreCase);

        var failures = new List<string>();
        var refusals = 0;
        foreach (var path in paths)
        {
            foreach (var place in Places)
            {
                foreach (var method in Methods)
                {
                    var url = place(path);
                    using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
                    var status = (int)response.StatusCode;
                    var body = await response.Content.ReadAsStringAsync();
                    if (status >= 500)
                    {
                        failures.Add($"{method} {url}: {status} {Shorten(body)}");
                    }
                    else if (status >= 400)
                    {
                        refusals++;
                        if (Problem(response, body, status) is { } wrong)
                        {
                            failures.Add($"{method} {url}: {status} {wrong}");
                        }
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {paths.Count * Places.Length * Methods.Length} requests failed:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(30))}");
        Assert.True(refusals >= paths.Count * Places.Length, $"Only {refusals} refusals: the methods were barely refused.");
    }

    [Fact]
    public async Task Trace_OnATenantsPage_Is405WithTheMethodsItAllows()
    {
        await using var app = new SampleApp();
        using var client = app.CreateBrowserLikeClient();

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Trace, At("acme")));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        Assert.Equal(405, (await response.ProblemAsync()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task UnknownPath_Is404ProblemDocument()
    {
        await using var app = new SampleApp();
        using var client = app.CreateBrowserLikeClient();

        using var response = await client.GetAsync(At("acme", "/no/such/page"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, (await response.ProblemAsync()).GetProperty("status").GetInt32());
    }

    /// <summary>A path for each route of the application, its parameters filled with a value its constraints accept.</summary>
    private static List<string> RoutePaths(IServiceProvider services)
    {
        var paths = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            paths.Add(PathOf(endpoint.RoutePattern));
        }

        return [.. paths];
    }

    private static string PathOf(RoutePattern pattern)
    {
        var segments = new List<string>();
        foreach (var segment in pattern.PathSegments)
        {
            var text = new StringBuilder();
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        text.Append(literal.Content);
                        break;
                    case RoutePatternSeparatorPart separator:
                        text.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart { IsOptional: false, IsCatchAll: false } parameter:
                        text.Append(parameter.ParameterPolicies.Any(p => p.Content is "int" or "long") ? "1" : "x");
                        break;
                }
            }

            if (text.Length > 0)
            {
                segments.Add(text.ToString());
            }
        }

        return "/" + string.Join('/', segments);
    }

    /// <summary>What is wrong with a refusal's body, or <see langword="null"/> when it is a problem document with its status.</summary>
    private static string? Problem(HttpResponseMessage response, string body, int status)
    {
        if (response.Content.Headers.ContentType?.MediaType != ProblemJson)
        {
            return $"is {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {Shorten(body)}";
        }

        if (body.Contains("   at ", StringComparison.Ordinal))
        {
            return "carries a stack trace";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("status", out var declared) && declared.GetInt32() == status
                ? null
                : $"declares another status: {Shorten(body)}";
        }
        catch (JsonException)
        {
            return $"is not JSON: {Shorten(body)}";
        }
    }

    private static string Shorten(string body) => body.Length <= 300 ? body : body[..300] + "...";
}
