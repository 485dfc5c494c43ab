using System.Text.Json;

namespace TenantKit.Yarp.Tests.Proxy;

/// <summary>Two regions, one cluster each: by host name (routes), and by a region table when the host does not say it.</summary>
public sealed class RegionRoutingTests
{
    private static readonly TenantDraft[] RegionalTenants =
    [
        new("acme") { Region = "eu-west" },
        new("globex") { Region = "us-east" },
    ];
    [Fact]
    public async Task RegionByHostName_EachRegionsRouteGoesToItsCluster()
    {
        await using var eu = await Backend.StartAsync("eu-1");
        await using var us = await Backend.StartAsync("us-1");
        var routes = new[] { TestProxy.CatchAll("eu", "eu", "*.eu.example.com"), TestProxy.CatchAll("us", "us", "*.us.example.com") };
        var clusters = new[]
        {
            TestProxy.Cluster("eu", new Dictionary<string, string> { ["eu-1"] = eu.Address }),
            TestProxy.Cluster("us", new Dictionary<string, string> { ["us-1"] = us.Address }),
        };
        await using var proxy = await TestProxy.StartAsync(routes, clusters, t => t.WithHostStrategy("{tenant}.eu.example.com", "{tenant}.us.example.com"));

        Assert.StartsWith("eu-1|", (await proxy.GetAsync("acme.eu.example.com")).Body, StringComparison.Ordinal);
        Assert.StartsWith("us-1|", (await proxy.GetAsync("globex.us.example.com")).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegionTable_SendsATenantToItsRegionsCluster_OthersStayOnTheRoutesCluster()
    {
        await using var eu = await Backend.StartAsync("eu-1");
        await using var us = await Backend.StartAsync("us-1");
        var routes = new[] { TestProxy.CatchAll("all", "us") };
        var clusters = new[]
        {
            TestProxy.Cluster("eu", new Dictionary<string, string> { ["eu-1"] = eu.Address }),
            TestProxy.Cluster("us", new Dictionary<string, string> { ["us-1"] = us.Address }),
        };
        var regions = new Dictionary<string, string> { ["acme"] = "eu-west" };
        await using var proxy = await TestProxy.StartAsync(routes, clusters, t => t.WithHostStrategy("{tenant}.example.com"), o =>
        {
            o.RegionOf = identifier => regions.GetValueOrDefault(identifier);
            o.RegionClusters["eu-west"] = "eu";
        });

        Assert.StartsWith("eu-1|", (await proxy.GetAsync("ACME.example.com")).Body, StringComparison.Ordinal);
        Assert.StartsWith("us-1|", (await proxy.GetAsync("globex.example.com")).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantAskedInAnotherRegionsHost_ThatRegionsNodeAnswers421_ThroughTheProxy_ItsOwnRegionServesIt()
    {
        await using var eu = await TenantNode.StartAsync("eu-1", RegionalTenants, region: "eu-west");
        await using var us = await TenantNode.StartAsync("us-1", RegionalTenants, region: "us-east");
        await using var proxy = await StartRegionalProxyAsync(eu, us, null);

        var (status, body, contentType) = await proxy.GetAsync("acme.us.example.com", "/whoami");

        Assert.Equal(HttpStatusCode.MisdirectedRequest, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal("https://tenantkit.dev/problems/tenant-region-mismatch", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
        Assert.Equal(0, us.Served);
        Assert.Equal((HttpStatusCode.OK, "eu-1|acme"), Answer(await proxy.GetAsync("acme.eu.example.com", "/whoami")));
        Assert.Equal((HttpStatusCode.OK, "us-1|globex"), Answer(await proxy.GetAsync("globex.us.example.com", "/whoami")));
    }

    [Fact]
    public async Task RegionTableAtTheProxy_SendsATenantAskedInTheWrongRegionsHostToItsOwnRegion()
    {
        await using var eu = await TenantNode.StartAsync("eu-1", RegionalTenants, region: "eu-west");
        await using var us = await TenantNode.StartAsync("us-1", RegionalTenants, region: "us-east");
        var regions = RegionalTenants.ToDictionary(t => t.Identifier, t => t.Region!);
        await using var proxy = await StartRegionalProxyAsync(eu, us, o =>
        {
            o.RegionOf = identifier => regions.GetValueOrDefault(identifier);
            o.RegionClusters["eu-west"] = "eu";
            o.RegionClusters["us-east"] = "us";
        });

        Assert.Equal((HttpStatusCode.OK, "eu-1|acme"), Answer(await proxy.GetAsync("acme.us.example.com", "/whoami")));
        Assert.Equal((HttpStatusCode.OK, "us-1|globex"), Answer(await proxy.GetAsync("globex.eu.example.com", "/whoami")));
    }

    private static (HttpStatusCode, string) Answer((HttpStatusCode Status, string Body, string? ContentType) answer) => (answer.Status, answer.Body);

    private static Task<TestProxy> StartRegionalProxyAsync(TenantNode eu, TenantNode us, Action<TenantAffinityOptions>? options)
    {
        var routes = new[] { TestProxy.CatchAll("eu", "eu", "*.eu.example.com"), TestProxy.CatchAll("us", "us", "*.us.example.com") };
        var clusters = new[]
        {
            TestProxy.Cluster("eu", new Dictionary<string, string> { [eu.Name] = eu.Address }),
            TestProxy.Cluster("us", new Dictionary<string, string> { [us.Name] = us.Address }),
        };
        return TestProxy.StartAsync(routes, clusters, t => t.WithHostStrategy("{tenant}.eu.example.com", "{tenant}.us.example.com"), options);
    }
}
