using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Features;

namespace TenantKit.AspNetCore.Tests.Features;

/// <summary>Issue #17, point 2: <c>MapTenantAdministration</c> enables and disables features and sets plans.</summary>
public class FeatureAdministrationEndpointsTests
{
    [Fact]
    public async Task PutFeature_EnablesIt_AndTheTenantReachesTheFeaturesEndpointsAtOnce()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var response = await SendAsync(client, HttpMethod.Put, "/admin/tenants/t-initech/features/reports", ifMatch: "\"1\"");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal("exports,reports", (await ReadAsync(response)).GetProperty("properties").GetProperty(TenantFeatureProperties.Features).GetString());
        using var reports = await client.SendAsync(TestApp.Get("initech.example.com", "/reports"));
        Assert.Equal(HttpStatusCode.OK, reports.StatusCode);
    }

    [Fact]
    public async Task PutFeature_WhoseDependencyIsOff_Is400_UnlessEnableDependenciesIsAsked()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var refused = await SendAsync(client, HttpMethod.Put, "/admin/tenants/t-acme/features/reports");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.ReadProblemAsync();
        Assert.Equal(TenantProblemTypes.Validation, problem.Type);
        Assert.Contains("'reports' needs 'exports'", problem.Errors!["features"][0], StringComparison.Ordinal);

        using var accepted = await SendAsync(client, HttpMethod.Put, "/admin/tenants/t-acme/features/reports?enableDependencies=true");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        using var reports = await client.SendAsync(TestApp.Get("acme.example.com", "/reports"));
        Assert.Equal(HttpStatusCode.OK, reports.StatusCode);
    }

    [Fact]
    public async Task DeleteFeature_DisablesIt_AndTheEndpointIs404AtOnce()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        using (var before = await client.SendAsync(TestApp.Get("globex.example.com", "/reports")))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var response = await SendAsync(client, HttpMethod.Delete, "/admin/tenants/t-globex/features/reports");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("-reports", (await ReadAsync(response)).GetProperty("properties").GetProperty(TenantFeatureProperties.Features).GetString());
        using var after = await client.SendAsync(TestApp.Get("globex.example.com", "/reports"));
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task PutPlan_SetsThePlan_AnUnknownPlanIs400_AndAStaleETagIs412()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var pro = await SendAsync(client, HttpMethod.Put, "/admin/tenants/t-acme/plan", body: new { plan = "pro" });
        using var gold = await SendAsync(client, HttpMethod.Put, "/admin/tenants/t-acme/plan", body: new { plan = "gold" });
        using var stale = await SendAsync(client, HttpMethod.Put, "/admin/tenants/t-acme/plan", body: new { plan = (string?)null }, ifMatch: "\"1\"");

        Assert.Equal(HttpStatusCode.OK, pro.StatusCode);
        Assert.Equal("pro", (await ReadAsync(pro)).GetProperty("properties").GetProperty(TenantFeatureProperties.Plan).GetString());
        Assert.Equal(HttpStatusCode.BadRequest, gold.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
    }

    [Fact]
    public async Task UnknownFeature_Is400_AndUnknownTenantIs404()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var feature = await SendAsync(client, HttpMethod.Put, "/admin/tenants/t-acme/features/billing");
        using var tenant = await SendAsync(client, HttpMethod.Put, "/admin/tenants/t-nobody/features/exports");

        Assert.Equal(HttpStatusCode.BadRequest, feature.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, tenant.StatusCode);
    }

    [Fact]
    public async Task FeatureEndpoints_AreReservedToTheHost()
    {
        await using var app = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://acme.example.com/admin/tenants/t-acme/features/exports");
        request.Headers.Add("X-Test-User", "root");
        request.Headers.Add("X-Test-Claims", "role=admin");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static Task<WebApplication> StartAsync()
        => FeatureEndpointTests.StartAsync(app => app.MapTenantAdministration("/admin/tenants", "TenantAdmin"), s =>
        {
            s.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
            s.AddAuthorization(o => o.AddPolicy("TenantAdmin", p => p.RequireAuthenticatedUser().RequireClaim("role", "admin")));
        });

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, $"http://example.com{path}");
        request.Headers.Add("X-Test-User", "root");
        request.Headers.Add("X-Test-Claims", "role=admin");
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await client.SendAsync(request);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
        => (await response.Content.ReadFromJsonAsync<JsonElement>())!;
}
