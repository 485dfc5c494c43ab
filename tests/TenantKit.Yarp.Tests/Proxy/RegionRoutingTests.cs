namespace TenantKit.Yarp.Tests.Proxy;

/// <summary>Two regions, one cluster each: by host name (routes), and by a region table when the host does not say it.</summary>
public sealed class RegionRoutingTests
{
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
}
