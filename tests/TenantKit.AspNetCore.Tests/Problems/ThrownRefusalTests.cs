using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using Snapshooter;
using Snapshooter.Xunit;

namespace TenantKit.AspNetCore.Tests.Problems;

/// <summary>
/// An attacker sends requests an endpoint was not written for: no tenant at an endpoint that reads tenant data without
/// <c>RequireTenant()</c>, a tenant at code reserved to the host. TenantKit's refusals the application throws are
/// answered as problem documents in every environment, never a 500; anything else goes on as it was.
/// </summary>
public class ThrownRefusalTests
{
    public static TheoryData<string> Environments => new() { "Development", "Production" };

    [Theory]
    [MemberData(nameof(Environments))]
    public async Task BareHost_AtAnEndpointReadingTheTenantWithoutRequireTenant_Is404TenantRequired(string environment)
    {
        await using var app = await StartAsync(environment, app => app.MapGet("/orders", (HttpContext context) => context.GetRequiredTenant().Name));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/orders"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Snapshot.Match(await ProblemDetailsTests.ShapeAsync(response), new SnapshotNameExtension(environment));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public async Task BareHost_AtAnEndpointFailingAfterAnAwait_Is404TenantRequired(string environment)
    {
        await using var app = await StartAsync(environment, app => app.MapGet("/orders", async (HttpContext context) =>
        {
            await Task.Yield();
            return context.GetRequiredTenant().Name;
        }));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/orders"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantRequired, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task BareHost_IsAnsweredAsARequireTenantEndpointIs_SoTheAttackerCannotTellThemApart()
    {
        await using var app = await StartAsync("Production", app =>
        {
            app.MapGet("/forgot", (HttpContext context) => context.GetRequiredTenant().Name);
            app.MapGet("/marked", (HttpContext context) => context.GetRequiredTenant().Name).RequireTenant();
        });
        var client = app.GetTestClient();

        using var forgot = await client.SendAsync(TestApp.Get("example.com", "/forgot"));
        using var marked = await client.SendAsync(TestApp.Get("example.com", "/marked"));

        Assert.Equal(
            (await ProblemDetailsTests.ShapeAsync(marked)).ToString(),
            (await ProblemDetailsTests.ShapeAsync(forgot)).ToString());
    }

    [Fact]
    public async Task ExcludedEndpoint_ReadingTheTenant_Is404TenantRequired()
    {
        await using var app = await StartAsync("Production",
            app => app.MapGet("/health", (HttpContext context) => context.GetRequiredTenant().Name).ExcludeFromTenantResolution());

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("acme.example.com", "/health"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantRequired, (await response.ReadProblemAsync()).Type);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public async Task Tenant_CallingHostOnlyAdministration_Is403HostRequired(string environment)
    {
        await using var app = await StartAsync(environment, app => app.MapGet("/peek",
            async (HttpContext context) => (await context.RequestServices.GetRequiredService<ITenantAdministration>().GetAsync("t-globex"))?.Name));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("acme.example.com", "/peek"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Snapshot.Match(await ProblemDetailsTests.ShapeAsync(response), new SnapshotNameExtension(environment));
    }

    [Fact]
    public async Task BareHost_CallingHostOnlyAdministrationWithoutAHostScope_Is403HostRequired()
    {
        await using var app = await StartAsync("Production", app => app.MapGet("/peek",
            async (HttpContext context) => (await context.RequestServices.GetRequiredService<ITenantAdministration>().GetAsync("t-globex"))?.Name));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/peek"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(TenantProblemTypes.HostRequired, (await response.ReadProblemAsync()).Type);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public async Task Tenant_LiftingItselfToTheHost_Is403CrossTenantAccess_AndNamesNoTenant(string environment)
    {
        await using var app = await StartAsync(environment, app => app.MapGet("/lift", (HttpContext context) =>
        {
            using var host = context.RequestServices.GetRequiredService<ITenantContextAccessor>().BeginHostScope();
            return "lifted";
        }));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("acme.example.com", "/lift"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var shape = await ProblemDetailsTests.ShapeAsync(response);
        Assert.DoesNotContain("acme", shape.Body.ToString(), StringComparison.OrdinalIgnoreCase);
        Snapshot.Match(shape, new SnapshotNameExtension(environment));
    }

    [Fact]
    public async Task HeadersTheEndpointSetBeforeThrowing_AreNotSent()
    {
        await using var app = await StartAsync("Production", app => app.MapGet("/orders", (HttpContext context) =>
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = 5;
            context.Response.Headers.ETag = "\"7\"";
            return context.GetRequiredTenant().Name;
        }));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/orders"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(response.Headers.ETag);
        Assert.Equal(TenantProblemTypes.TenantRequired, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task ApplicationProblemDetailsService_WritesTheThrownRefusal()
    {
        await using var app = await StartAsync(
            "Development",
            app => app.MapGet("/orders", (HttpContext context) => context.GetRequiredTenant().Name),
            s => s.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["node"] = "node-1"));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/orders"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(TenantProblemTypes.TenantRequired, (string?)body["type"]);
        Assert.Equal("node-1", (string?)body["node"]);
        Assert.Null(body["exception"]);
    }

    [Fact]
    public async Task ResponseAlreadyStarted_TheRefusalPropagates_AndTheBodyIsNotAppendedTo()
    {
        var seen = new Seen();
        await using var app = await StartAsync("Production", app => app.MapGet("/stream", async (HttpContext context) =>
        {
            await context.Response.WriteAsync("partial");
            await context.Response.Body.FlushAsync();
            _ = context.GetRequiredTenant();
        }), seen: seen);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/stream"));

        Assert.IsType<TenantNotSetException>(seen.Error);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("partial", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("acme.example.com")]
    public async Task UnrelatedException_Propagates(string host)
    {
        var seen = new Seen();
        await using var app = await StartAsync("Production", app => app.MapGet("/boom", IResult () => throw new InvalidOperationException("boom")), seen: seen);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get(host, "/boom"));

        Assert.IsType<InvalidOperationException>(seen.Error);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("acme.example.com")]
    public async Task OtherTenantKitException_Propagates(string host)
    {
        var seen = new Seen();
        await using var app = await StartAsync("Production", app => app.MapGet("/boom",
            IResult () => throw new TenantNotFoundException("No tenant 'x'.")), seen: seen);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get(host, "/boom"));

        Assert.IsType<TenantNotFoundException>(seen.Error);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    /// <remarks>
    /// Inside a tenant, a missing tenant is the application's defect (code that ran outside the request's flow), not
    /// something the request asked for: answering "a tenant is required" to a request that names one would be false.
    /// </remarks>
    [Fact]
    public async Task TenantNotSet_InsideATenantRequest_Propagates()
    {
        var seen = new Seen();
        await using var app = await StartAsync("Production", app => app.MapGet("/orders",
            IResult () => throw new TenantNotSetException("Ran outside the request's flow.")), seen: seen);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("acme.example.com", "/orders"));

        Assert.IsType<TenantNotSetException>(seen.Error);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task ServeAsHost_RefusalThrownInTheHostScope_IsAProblemDocument()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").ConfigureRequests(o => o.NonTenantRequests = NonTenantRequestHandling.ServeAsHost),
            app =>
            {
                app.UseTenantKit();
                app.MapGet("/orders", (HttpContext context) => context.GetRequiredTenant().Name);
            });

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/orders"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantRequired, (await response.ReadProblemAsync()).Type);
    }

    private static Task<WebApplication> StartAsync(string environment, Action<WebApplication> endpoints, Action<IServiceCollection>? services = null, Seen? seen = null)
        => TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com"),
            app =>
            {
                if (seen is not null)
                {
                    // What reaches the server, as the server's own error handling would see it; then a 500 if nothing was sent.
                    app.Use(async (context, next) =>
                    {
                        try
                        {
                            await next(context);
                        }
                        catch (Exception ex)
                        {
                            seen.Error = ex;
                            if (!context.Response.HasStarted)
                            {
                                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                            }
                        }
                    });
                }

                app.UseTenantKit();
                endpoints(app);
            },
            services,
            environment: environment);

    private sealed class Seen
    {
        public Exception? Error { get; set; }
    }
}
