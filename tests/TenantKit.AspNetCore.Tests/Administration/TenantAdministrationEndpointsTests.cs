using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Snapshooter.Xunit;
using TenantKit.AspNetCore.Tests.Problems;

namespace TenantKit.AspNetCore.Tests.Administration;

public class TenantAdministrationEndpointsTests
{
    private const string Admin = "role=admin";

    [Fact]
    public async Task FullCycle_CreateReadUpdateSuspendResumeDelete_WithETags()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var created = await SendAsync(client, HttpMethod.Post, "/admin/tenants", Admin, new { identifier = "Umbrella", name = "Umbrella Corp", properties = new { Plan = "pro" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        var tenant = await ReadAsync(created);
        Assert.Equal("umbrella", tenant.GetProperty("identifier").GetString());
        var id = tenant.GetProperty("id").GetString()!;
        Assert.Equal($"/admin/tenants/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("umbrella", (await client.GetProbeAsync("umbrella.example.com")).Tenant);

        using var read = await SendAsync(client, HttpMethod.Get, $"/admin/tenants/{id}", Admin);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.True((await ReadAsync(read)).GetProperty("runtime").GetProperty("resident").GetBoolean());

        using var updated = await SendAsync(client, HttpMethod.Patch, $"/admin/tenants/{id}", Admin, new { name = "Umbrella Corporation" }, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("\"2\"", updated.Headers.ETag?.Tag);
        Assert.Equal("Umbrella Corporation", (await ReadAsync(updated)).GetProperty("name").GetString());

        using var suspended = await SendAsync(client, HttpMethod.Post, $"/admin/tenants/{id}/suspend", Admin);
        Assert.Equal("suspended", (await ReadAsync(suspended)).GetProperty("state").GetString());
        using (var refused = await client.SendAsync(TestApp.Get("umbrella.example.com")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var resumed = await SendAsync(client, HttpMethod.Post, $"/admin/tenants/{id}/resume", Admin, ifMatch: "\"3\"");
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("active", (await ReadAsync(resumed)).GetProperty("state").GetString());
        Assert.Equal("umbrella", (await client.GetProbeAsync("umbrella.example.com")).Tenant);

        using var deleted = await SendAsync(client, HttpMethod.Delete, $"/admin/tenants/{id}", Admin, ifMatch: resumed.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await SendAsync(client, HttpMethod.Get, $"/admin/tenants/{id}", Admin);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var goneHost = await client.SendAsync(TestApp.Get("umbrella.example.com"));
        Assert.Equal(HttpStatusCode.NotFound, goneHost.StatusCode);
    }

    [Fact]
    public async Task Update_WithoutIfMatch_Is428()
    {
        await using var app = await StartAsync();

        using var response = await SendAsync(app.GetTestClient(), HttpMethod.Patch, "/admin/tenants/t-acme", Admin, new { name = "New" });

        Assert.Equal(HttpStatusCode.PreconditionRequired, response.StatusCode);
        Snapshot.Match(await ProblemDetailsTests.ShapeAsync(response));
    }

    [Fact]
    public async Task Update_WithAStaleETag_Is412AndNamesTheCurrentVersion()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        using var first = await SendAsync(client, HttpMethod.Patch, "/admin/tenants/t-acme", Admin, new { name = "Acme 2" }, ifMatch: "\"1\"");

        using var stale = await SendAsync(client, HttpMethod.Patch, "/admin/tenants/t-acme", Admin, new { name = "Acme 3" }, ifMatch: "\"1\"");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("\"2\"", stale.Headers.ETag?.Tag);
        Snapshot.Match(await ProblemDetailsTests.ShapeAsync(stale));
    }

    [Fact]
    public async Task Delete_WithoutIfMatch_Is428_AndWithAStaleOne412()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var missing = await SendAsync(client, HttpMethod.Delete, "/admin/tenants/t-globex", Admin);
        using var stale = await SendAsync(client, HttpMethod.Delete, "/admin/tenants/t-globex", Admin, ifMatch: "\"7\"");
        using var weak = await SendAsync(client, HttpMethod.Delete, "/admin/tenants/t-globex", Admin, ifMatch: "W/\"1\"");
        using var any = await SendAsync(client, HttpMethod.Delete, "/admin/tenants/t-globex", Admin, ifMatch: "*");

        Assert.Equal(HttpStatusCode.PreconditionRequired, missing.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, weak.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, any.StatusCode);
    }

    [Fact]
    public async Task Create_InvalidTenant_ListsErrorsPerField()
    {
        await using var app = await StartAsync();

        using var response = await SendAsync(app.GetTestClient(), HttpMethod.Post, "/admin/tenants", Admin, new { identifier = "no spaces!", name = new string('n', 201), region = "Europe West" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadProblemAsync();
        Assert.Equal(TenantProblemTypes.Validation, problem.Type);
        Assert.Equal(["identifier", "name", "region"], problem.Errors!.Keys.Order(StringComparer.Ordinal));
        Snapshot.Match(await ProblemDetailsTests.ShapeAsync(response));
    }

    [Theory]
    [InlineData("{\"identifier\": \"x\", \"plan\": \"pro\"}")]
    [InlineData("{\"identifier\": \"x\", \"properties\": {\"a\": 1}}")]
    [InlineData("{\"identifier\": ")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    [InlineData("")]
    public async Task Create_MalformedBody_IsAValidationProblemOnTheBody(string body)
    {
        await using var app = await StartAsync();
        using var request = Request(HttpMethod.Post, "/admin/tenants", Admin);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["body"], (await response.ReadProblemAsync()).Errors!.Keys);
    }

    [Fact]
    public async Task Create_InvalidState_IsAValidationProblemOnTheState()
    {
        await using var app = await StartAsync();

        using var response = await SendAsync(app.GetTestClient(), HttpMethod.Post, "/admin/tenants", Admin, new { identifier = "stately", state = "paused" });

        Assert.Equal(["state"], (await response.ReadProblemAsync()).Errors!.Keys);
    }

    [Fact]
    public async Task Create_ExistingIdentifier_Is409()
    {
        await using var app = await StartAsync();

        using var response = await SendAsync(app.GetTestClient(), HttpMethod.Post, "/admin/tenants", Admin, new { identifier = "ACME" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(TenantProblemTypes.AlreadyExists, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task List_IsPagedOrderedByIdentifier_WithRuntimeStatus()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        await client.GetProbeAsync("acme.example.com");

        using var response = await SendAsync(client, HttpMethod.Get, "/admin/tenants?take=2", Admin);
        using var second = await SendAsync(client, HttpMethod.Get, "/admin/tenants?skip=2&take=2&state=active", Admin);

        var page = await ReadAsync(response);
        Assert.Equal(6, page.GetProperty("totalCount").GetInt32());
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["acme", "dormant"], items.Select(i => i.GetProperty("identifier").GetString()));
        Assert.True(items[0].GetProperty("runtime").GetProperty("resident").GetBoolean());
        Assert.False(items[1].GetProperty("runtime").GetProperty("resident").GetBoolean());
        var activePage = await ReadAsync(second);
        Assert.Equal(5, activePage.GetProperty("totalCount").GetInt32());
        Assert.Equal(["initech", "overseas"], activePage.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("identifier").GetString()));
    }

    [Fact]
    public async Task List_InvalidQuery_ListsErrorsPerParameter()
    {
        await using var app = await StartAsync();

        using var response = await SendAsync(app.GetTestClient(), HttpMethod.Get, "/admin/tenants?take=5000&skip=-1&state=gone", Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["skip", "state", "take"], (await response.ReadProblemAsync()).Errors!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LoadUnloadReload_DriveTheRuntime()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var loaded = await SendAsync(client, HttpMethod.Post, "/admin/tenants/t-initech/load", Admin);
        var residentAfterLoad = app.Runtime().GetStatus("t-initech")!.IsResident;
        using var reloaded = await SendAsync(client, HttpMethod.Post, "/admin/tenants/t-initech/reload", Admin);
        await TenantKit.AspNetCore.Tests.Middleware.TenantLifetimeTests.WaitForAsync(() => app.Runtime().GetStatus("t-initech")?.Generation == 2);
        using var unloaded = await SendAsync(client, HttpMethod.Post, "/admin/tenants/t-initech/unload", Admin);
        using var suspendedLoad = await SendAsync(client, HttpMethod.Post, "/admin/tenants/t-dormant/load", Admin);
        using var missing = await SendAsync(client, HttpMethod.Post, "/admin/tenants/t-nobody/load", Admin);

        Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
        Assert.True(residentAfterLoad);
        Assert.Equal(HttpStatusCode.Accepted, reloaded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unloaded.StatusCode);
        Assert.False((await ReadAsync(unloaded)).GetProperty("runtime").GetProperty("resident").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, suspendedLoad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task FromATenantHostName_IsRefused()
    {
        await using var app = await StartAsync();
        using var request = Request(HttpMethod.Get, "/admin/tenants", Admin, host: "acme.example.com");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(TenantProblemTypes.HostRequired, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task WithoutThePolicy_IsRefused()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        using var anonymous = await SendAsync(client, HttpMethod.Get, "/admin/tenants", claims: null);
        using var notAdmin = await SendAsync(client, HttpMethod.Get, "/admin/tenants", "role=user");
        using var notAdminCreate = await SendAsync(client, HttpMethod.Post, "/admin/tenants", "role=user", new { identifier = "sneaky" });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notAdminCreate.StatusCode);
        using var check = await SendAsync(client, HttpMethod.Get, "/admin/tenants?search=sneaky", Admin);
        Assert.Equal(0, (await ReadAsync(check)).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task GetTenant_ShapeOfTheResource()
    {
        await using var app = await StartAsync();

        using var response = await SendAsync(app.GetTestClient(), HttpMethod.Get, "/admin/tenants/t-overseas", Admin);

        var body = Newtonsoft.Json.Linq.JObject.Parse(await response.Content.ReadAsStringAsync());
        body.Remove("createdAt");
        body.Remove("updatedAt");
        Snapshot.Match(new { Status = (int)response.StatusCode, ETag = response.Headers.ETag?.Tag, Body = body });
    }

    private static Task<Microsoft.AspNetCore.Builder.WebApplication> StartAsync()
        => TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com"),
            app =>
            {
                app.UseTenantKit();
                TestApp.MapProbe(app);
                app.MapTenantAdministration("/admin/tenants", "TenantAdmin");
            },
            s =>
            {
                s.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
                s.AddAuthorization(o => o.AddPolicy("TenantAdmin", p => p.RequireAuthenticatedUser().RequireClaim("role", "admin")));
            });

    private static HttpRequestMessage Request(HttpMethod method, string path, string? claims, string host = "example.com")
    {
        var request = new HttpRequestMessage(method, $"http://{host}{path}");
        if (claims is not null)
        {
            request.Headers.Add("X-Test-User", "root");
            request.Headers.Add("X-Test-Claims", claims);
        }

        return request;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? claims, object? body = null, string? ifMatch = null)
    {
        using var request = Request(method, path, claims);
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
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" }, response.Content.Headers.ContentType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
