using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Features;

namespace TenantKit.AspNetCore.Tests.Features;

/// <summary>
/// Issue #17, points 3 and 4: endpoints of a feature reach only tenants that have it; others get the 404 of a path that
/// does not exist; a change takes effect on the next request, without a restart, and in-flight requests finish.
/// </summary>
public class FeatureEndpointTests
{
    [Fact]
    public async Task FeatureEndpoint_ServesATenantWithTheFeature_AndIs404ForATenantWithout()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var globex = await client.SendAsync(TestApp.Get("globex.example.com", "/reports"));
        using var acme = await client.SendAsync(TestApp.Get("acme.example.com", "/reports"));

        Assert.Equal(HttpStatusCode.OK, globex.StatusCode);
        Assert.Equal("reports of globex", await globex.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, acme.StatusCode);
    }

    [Fact]
    public async Task AbsentFeature_IsAnsweredExactlyAsAPathThatDoesNotExist()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var absent = await client.SendAsync(TestApp.Get("acme.example.com", "/reports"));
        using var unknown = await client.SendAsync(TestApp.Get("acme.example.com", "/no-such-path"));

        Assert.Equal(unknown.StatusCode, absent.StatusCode);
        Assert.Equal(unknown.Content.Headers.ContentType?.ToString(), absent.Content.Headers.ContentType?.ToString());
        Assert.Equal(
            string.Join("\n", unknown.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order(StringComparer.Ordinal)),
            string.Join("\n", absent.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order(StringComparer.Ordinal)));
        var absentBody = await BodyWithoutTraceAsync(absent);
        Assert.Equal(await BodyWithoutTraceAsync(unknown), absentBody);
        Assert.DoesNotContain("feature", absentBody, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.5", JsonNode.Parse(absentBody)!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task AbsentFeature_WithoutTheApplicationsProblemDetailsService_IsTenantKitsOwnNotFoundDocument()
    {
        await using var app = await TestApp.StartAsync(
            b => b
                .WithInMemoryStore(new TenantDraft("acme") { Id = "t-acme" })
                .WithHostStrategy("{tenant}.example.com")
                .AddFeature("reports"),
            app =>
            {
                app.UseTenantKit();
                app.MapGet("/reports", () => "reports").RequireFeature("reports");
            });

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("acme.example.com", "/reports"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Snapshooter.Xunit.Snapshot.Match(await TenantKit.AspNetCore.Tests.Problems.ProblemDetailsTests.ShapeAsync(response));
    }

    [Fact]
    public async Task AnEndpointNamingAnUndeclaredFeature_Is404ForEveryTenant_AndLoggedAsAWarning()
    {
        var logs = new WarningCollector();
        await using var app = await StartAsync(
            app => app.MapGet("/typo", () => "never").RequireFeature("reprots"),
            s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("globex.example.com", "/typo"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(logs.Messages, m => m.Contains("'reprots', which is not declared", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FeatureEndpoint_WithoutATenant_IsRefusedAsRequireTenant()
    {
        await using var app = await StartAsync();

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/reports"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantRequired, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task GroupAndEndpointFeatures_AreAllRequired()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var globex = await client.SendAsync(TestApp.Get("globex.example.com", "/analytics/exports"));
        using var acme = await client.SendAsync(TestApp.Get("acme.example.com", "/analytics/exports"));
        using var exportsOnly = await client.SendAsync(TestApp.Get("initech.example.com", "/analytics/exports"));

        Assert.Equal(HttpStatusCode.OK, globex.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, acme.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, exportsOnly.StatusCode);
    }

    [Fact]
    public async Task ControllerMarkedWithTheAttribute_IsReservedToTenantsWithTheFeature()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var globex = await client.SendAsync(TestApp.Get("globex.example.com", "/controller-reports"));
        using var acme = await client.SendAsync(TestApp.Get("acme.example.com", "/controller-reports"));

        Assert.Equal(HttpStatusCode.OK, globex.StatusCode);
        Assert.Equal("controller reports of globex", await globex.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, acme.StatusCode);
    }

    [Fact]
    public async Task EnablingAFeature_ServesTheNextRequest_WhileAnInFlightRequestFinishesOnTheOldGeneration()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await StartAsync(app => app.MapGet("/slow", async (HttpContext context) =>
        {
            entered.TrySetResult();
            await release.Task;
            return context.RequestServices.GetRequiredService<ITenantFeatures>().IsEnabled("reports") ? "with reports" : "without reports";
        }));
        var client = app.GetTestClient();
        var inFlight = client.SendAsync(TestApp.Get("acme.example.com", "/slow"));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        using (app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            await app.Services.GetRequiredService<ITenantFeatureAdministration>().EnableFeatureAsync("t-acme", "reports", enableDependencies: true);
        }

        using var after = await client.SendAsync(TestApp.Get("acme.example.com", "/reports"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.False(inFlight.IsCompleted);

        release.SetResult();
        using var finished = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        Assert.Equal("without reports", await finished.Content.ReadAsStringAsync());
    }

    internal static Task<WebApplication> StartAsync(Action<WebApplication>? endpoints = null, Action<IServiceCollection>? services = null)
        => TestApp.StartAsync(
            b => b
                .WithInMemoryStore(
                    new TenantDraft("acme") { Id = "t-acme", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "free" } },
                    new TenantDraft("globex") { Id = "t-globex", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "pro" } },
                    new TenantDraft("initech") { Id = "t-initech", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Features] = "exports" } })
                .WithHostStrategy("{tenant}.example.com")
                .AddFeature("exports", f => f.ConfigureServices(s => s.AddSingleton<Exporter>()))
                .AddFeature("reports", f => f.DependsOn("exports").ConfigureServices(s => s.AddSingleton<Reporter>()))
                .AddFeature("analytics")
                .AddPlan("free")
                .AddPlan("pro", "reports", "analytics"),
            app =>
            {
                app.UseStatusCodePages();
                app.UseTenantKit();
                app.MapGet("/reports", ([FromServices] Reporter reporter, HttpContext context) => $"reports of {context.GetTenant()!.Identifier}").RequireFeature("reports");
                app.MapGroup("/analytics").RequireFeature("analytics").MapGet("/exports", ([FromServices] Exporter exporter) => "exports").RequireFeature("exports");
                app.MapControllers();
                endpoints?.Invoke(app);
            },
            s =>
            {
                s.AddProblemDetails();
                s.AddControllers().AddApplicationPart(typeof(FeatureEndpointTests).Assembly);
                services?.Invoke(s);
            });

    private static async Task<string> BodyWithoutTraceAsync(HttpResponseMessage response)
    {
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        body.Remove("traceId");
        return body.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    internal sealed class Reporter;

    /// <summary>Keeps the warnings the application logs.</summary>
    private sealed class WarningCollector : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyCollection<string> Messages => _messages;

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _messages.Enqueue(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }

    internal sealed class Exporter;
}

/// <summary>A controller of the <c>reports</c> feature.</summary>
[ApiController]
[RequireFeature("reports")]
[Route("controller-reports")]
public sealed class ReportsController : ControllerBase
{
    /// <summary>Answers with the tenant.</summary>
    [HttpGet]
    public string Get() => $"controller reports of {HttpContext.GetTenant()!.Identifier}";
}
