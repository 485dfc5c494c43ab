using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;
using Snapshooter.Xunit;

namespace TenantKit.AspNetCore.Tests.Problems;

/// <summary>Every refusal is an RFC 9457 problem document with a stable type; the bodies are pinned by snapshots.</summary>
public class ProblemDetailsTests
{
    [Fact]
    public async Task UnknownTenant_Is404TenantNotFound()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("nobody.example.com"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Snapshot.Match(await ShapeAsync(response));
    }

    [Fact]
    public async Task MalformedIdentifier_Is400InvalidIdentifier()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("no_such.example.com"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Snapshot.Match(await ShapeAsync(response));
    }

    [Fact]
    public async Task SuspendedTenant_Is403TenantSuspended()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("dormant.example.com"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Snapshot.Match(await ShapeAsync(response));
    }

    [Fact]
    public async Task TenantFailingToLoad_Is503WithRetryAfter_AndOtherTenantsAreServed()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com")
                .OnTenantActivated((tenant, _, _) => tenant.Identifier == "initech" ? throw new InvalidOperationException("warm-up failed") : ValueTask.CompletedTask),
            TestApp.Standard,
            s => s.AddSingleton<TimeProvider>(new FakeTimeProvider()));
        var client = app.GetTestClient();

        using var first = await client.SendAsync(TestApp.Get("initech.example.com"));
        using var during = await client.SendAsync(TestApp.Get("initech.example.com"));
        var other = await client.GetProbeAsync("acme.example.com");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("acme", other.Tenant);
        Snapshot.Match(await ShapeAsync(during));
    }

    /// <remarks>Also the regression test for start-up: eager loading used to fail the host's start when the store was down.</remarks>
    [Fact]
    public async Task StoreUnreachable_ForAnUncachedTenant_Is503CatalogUnavailable_Never404()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").WithStore(_ => new UnreachableStore()),
            TestApp.Standard);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("acme.example.com"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Snapshot.Match(await ShapeAsync(response));
    }

    [Fact]
    public async Task TenantOfAnotherRegion_Is421RegionMismatch()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").ConfigureRequests(o => o.Region = "eu-west"),
            TestApp.Standard);
        var client = app.GetTestClient();

        using var response = await client.SendAsync(TestApp.Get("overseas.example.com"));
        var regionless = await client.GetProbeAsync("acme.example.com");

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Equal("acme", regionless.Tenant);
        Snapshot.Match(await ShapeAsync(response));
    }

    [Fact]
    public async Task TenantOfThisRegion_IsServed()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").ConfigureRequests(o => o.Region = "US-East"),
            TestApp.Standard);

        Assert.Equal("overseas", (await app.GetTestClient().GetProbeAsync("overseas.example.com")).Tenant);
    }

    [Fact]
    public async Task TenantOnlyEndpointOnTheBareHost_Is404TenantRequired()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app).RequireTenant();
        });

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com"));

        Snapshot.Match(await ShapeAsync(response));
    }

    [Fact]
    public async Task HostOnlyEndpointFromATenant_Is403HostRequired()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app).RequireHost();
        });

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("acme.example.com"));

        Snapshot.Match(await ShapeAsync(response));
    }

    [Fact]
    public async Task UserOfAnotherTenant_Is403TenantMismatch()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").WithClaimStrategy(),
            app =>
            {
                app.Use((context, next) =>
                {
                    context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("tenant", "globex")], "upstream"));
                    return next(context);
                });
                TestApp.Standard(app);
            });

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("acme.example.com"));

        Snapshot.Match(await ShapeAsync(response));
    }

    [Fact]
    public async Task RateLimitedTenant_Is429WithRetryAfter()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com"),
            app =>
            {
                app.UseTenantKit();
                app.UseRateLimiter();
                TestApp.MapProbe(app);
            },
            s => s.AddRateLimiter(o => o.AddTenantLimiter(l => l.DefaultLimit = new TenantRateLimit(1, TimeSpan.FromHours(1)))));
        var client = app.GetTestClient();

        using var allowed = await client.SendAsync(TestApp.Get("acme.example.com"));
        using var refused = await client.SendAsync(TestApp.Get("acme.example.com"));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 3500, 3600);
        var shape = await ShapeAsync(refused);
        Snapshot.Match(shape with { RetryAfter = "(about an hour)" });
    }

    [Fact]
    public async Task ApplicationProblemDetailsService_WritesTheRefusal()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com"),
            TestApp.Standard,
            s => s.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["node"] = "node-1"));

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("nobody.example.com"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(TenantProblemTypes.TenantNotFound, (string?)body["type"]);
        Assert.Equal("node-1", (string?)body["node"]);
    }

    internal static async Task<ProblemShape> ShapeAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return new ProblemShape(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            response.Headers.TryGetValues("Retry-After", out var retry) ? string.Join(",", retry) : null,
            response.Headers.CacheControl?.ToString(),
            JObject.Parse(text));
    }

    internal sealed record ProblemShape(int Status, string? ContentType, string? RetryAfter, string? CacheControl, JObject Body);
}
