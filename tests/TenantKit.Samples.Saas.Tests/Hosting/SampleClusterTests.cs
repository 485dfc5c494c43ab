using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TenantKit.Redis;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Hosting;

/// <summary>
/// What the sample adds to run as one node of several (Hosting/SampleCluster.cs): settings bound from configuration,
/// the Redis change feed and rate limits when <c>ConnectionStrings:Redis</c> is set, <c>/health</c>, and the host
/// administration endpoints for the console's user or the <c>X-Admin-Key</c> header.
/// </summary>
public sealed class SampleClusterTests
{
    [Fact]
    public async Task AdministrationEndpoints_AnswerTheAdminKey_AndRefuseNoKeyOrAWrongOne()
    {
        await using var app = new SampleApp(new Dictionary<string, string?> { ["Sample:Host:AdminKey"] = "op-s3cret" });
        using var client = app.CreateBrowserLikeClient();

        Assert.Equal(HttpStatusCode.Unauthorized, await AdminStatusAsync(client, Host("/admin/tenants"), key: null));
        Assert.Equal(HttpStatusCode.Unauthorized, await AdminStatusAsync(client, Host("/admin/tenants"), key: "op-s3cret-not"));
        using var request = new HttpRequestMessage(HttpMethod.Get, Host("/admin/tenants"));
        request.Headers.Add("X-Admin-Key", "op-s3cret");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["acme", "globex"], body.RootElement.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("identifier").GetString()).Order());
    }

    [Fact]
    public async Task AdministrationEndpoints_WithoutAnAdminKeySetting_RefuseEveryKey()
    {
        await using var app = new SampleApp();
        using var client = app.CreateBrowserLikeClient();

        Assert.Equal(HttpStatusCode.Unauthorized, await AdminStatusAsync(client, Host("/admin/tenants"), key: string.Empty));
        Assert.Equal(HttpStatusCode.Unauthorized, await AdminStatusAsync(client, Host("/admin/tenants"), key: "anything"));
    }

    [Fact]
    public async Task AdministrationEndpoints_AnswerTheSignedInConsoleUser_OnTheHostOnly()
    {
        await using var app = new SampleApp(new Dictionary<string, string?> { ["Sample:Host:AdminKey"] = "op-s3cret" });
        using var client = app.CreateBrowserLikeClient();
        await client.SignInAsync();

        Assert.Equal(HttpStatusCode.OK, await AdminStatusAsync(client, Host("/admin/tenants"), key: null));
        Assert.False((await AdminStatusAsync(client, At("acme", "/admin/tenants"), key: "op-s3cret")) is HttpStatusCode.OK);
    }

    [Fact]
    public async Task Health_OnASingleNode_IsHealthyJson_WithTheCatalogAndRuntimeChecks_AndNoRedisChecks()
    {
        await using var app = new SampleApp();
        using var client = app.CreateBrowserLikeClient();

        using var response = await client.GetAsync(Host("/health"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(
            ["tenantkit-catalog", "tenantkit-runtime"],
            body.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
    }

    [Fact]
    public async Task WithARedisConnectionString_TheChangeFeedAndRateLimitsAreOn_AndAnUnreachableRedisIsDegradedNotDown()
    {
        // The Redis choice is made while Program.cs registers services: the settings go in as host settings (as the
        // command line's do), which Program.cs sees at once.
        await using var app = new HostSettingsSampleApp(new Dictionary<string, string?>
        {
            // Nothing listens on port 1: the node starts anyway, serves, and says it is degraded.
            ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=200",
            ["TenantKit:Redis:ChangeFeed:Channel"] = "sample-tests:changes",
            ["TenantKit:Redis:ChangeFeed:NodeId"] = "node-7",
            ["TenantKit:Redis:RateLimits:KeyPrefix"] = "sample-tests:limits",
        });
        using var client = app.CreateBrowserLikeClient();

        Assert.Equal(HttpStatusCode.OK, (await client.PageAsync(At("acme"))).Status);
        var feed = app.Services.GetRequiredService<IOptions<RedisChangeFeedOptions>>().Value;
        Assert.Equal(("sample-tests:changes", "node-7"), (feed.Channel, feed.NodeId));
        Assert.Equal("sample-tests:limits", app.Services.GetRequiredService<IOptions<RedisRateLimitOptions>>().Value.KeyPrefix);
        using var response = await client.GetAsync(Host("/health"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Degraded", body.RootElement.GetProperty("checks").GetProperty("tenantkit-change-feed").GetProperty("status").GetString());
        Assert.Equal("Degraded", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CatalogAndRuntimeSettings_AreBoundFromConfiguration()
    {
        await using var app = new SampleApp(new Dictionary<string, string?>
        {
            ["TenantKit:Catalog:ChangePollInterval"] = "00:00:07",
            ["TenantKit:Catalog:FallbackChangePollInterval"] = "00:00:01",
            ["TenantKit:Runtime:Capacity"] = "42",
        });

        var catalog = app.Services.GetRequiredService<IOptions<TenantCatalogOptions>>().Value;
        Assert.Equal((TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(1)), (catalog.ChangePollInterval, catalog.FallbackChangePollInterval));
        Assert.Equal(42, app.Services.GetRequiredService<IOptions<TenantRuntimeOptions>>().Value.Capacity);
    }

    /// <summary>The sample with settings given as host settings (<c>UseSetting</c>), visible to Program.cs before it builds.</summary>
    private sealed class HostSettingsSampleApp(Dictionary<string, string?> hostSettings) : SampleApp
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            foreach (var (key, value) in hostSettings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    private static async Task<HttpStatusCode> AdminStatusAsync(HttpClient client, string url, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (key is not null)
        {
            request.Headers.Add("X-Admin-Key", key);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
