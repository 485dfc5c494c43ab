namespace TenantKit.MultiNode.Tests;

/// <summary>
/// A node that joins a running cluster serves its tenants at once, and one that is stopped (as by a deployment) shuts
/// down cleanly: exit code 0, no unhandled exception, within the grace period, while the others keep serving.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NodeLifecycleTests(ClusterFixture fixture)
{
    private NodeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task NodeJoinsThenStops_ServesTheCatalogsTenantsAndExitsCleanly()
    {
        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], $"join-{Guid.NewGuid().ToString("N")[..8]}");
        await Cluster.WarmAsync(tenant.Identifier);

        var joined = await Cluster.StartNodeAsync("joined");
        NodeExit exit;
        string output;
        try
        {
            var served = await NodeCluster.WhoAmIAsync(joined, tenant.Identifier);
            Assert.True(served.Status == HttpStatusCode.OK && served.Get("tenantId") == tenant.Id && served.Get("node") == "joined", served.ToString());
            var health = await Health.ReadAsync(joined);
            Assert.True(health.Status == "Healthy" && health[Health.ChangeFeed] == "Healthy", health.ToString());

            exit = await joined.StopAsync(TimeSpan.FromSeconds(10));
            output = joined.Output;
        }
        finally
        {
            await Cluster.RemoveAsync(joined);
        }

        Assert.True(exit is { ExitCode: 0, Killed: false }, $"the stopped node ended with {exit}:\n{output}");
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        var others = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier);
        Assert.All(others, r => Assert.True(r.Status == HttpStatusCode.OK, r.ToString()));
    }
}
