namespace TenantKit.MultiNode.Tests;

/// <summary>
/// Per-tenant rate limits over the three node processes, counted in their shared Redis: a tenant's budget holds across
/// the cluster, other tenants keep theirs, and with Redis down each node falls back to a budget of its own (and says so
/// in health). Budgets use a window of a day, so a test never straddles two windows.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RateLimitTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string RateLimited = "https://tenantkit.dev/problems/tenant-rate-limited";
    private static readonly TimeSpan Notice = TimeSpan.FromSeconds(15);

    private NodeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task TenantBudget_IsCountedOnceAcrossEveryNode_AndOtherTenantsKeepTheirOwn()
    {
        var acme = await Cluster.CreateTenantAsync(Cluster["a"], Identifier("limited"), Budget(12));
        var globex = await Cluster.CreateTenantAsync(Cluster["b"], Identifier("limited-other"), Budget(12));

        // 30 requests, spread over the three nodes in turn: 12 pass, 18 are refused, wherever they land.
        var replies = new List<Reply>();
        for (var i = 0; i < 30; i++)
        {
            replies.Add(await NodeCluster.SendAsTenantAsync(Cluster.Nodes[i % Cluster.Nodes.Count], acme.Identifier, HttpMethod.Get, "/limited"));
        }

        output.WriteLine(string.Join('\n', replies.Select(r => r.ToString())));
        Assert.Equal(12, replies.Count(r => r.Status == HttpStatusCode.OK));
        var refused = replies.Where(r => r.Status != HttpStatusCode.OK).ToList();
        Assert.Equal(18, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
            Assert.Equal(RateLimited, r.ProblemType);
        });

        // Every node served some of acme's budget: the count was shared, not per node.
        Assert.Equal(3, replies.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.Node).Distinct().Count());

        // globex has its whole budget on every node.
        var other = await Task.WhenAll(Cluster.Nodes.Select(n => NodeCluster.SendAsTenantAsync(n, globex.Identifier, HttpMethod.Get, "/limited")));
        Assert.All(other, r => Assert.Equal(HttpStatusCode.OK, r.Status));
    }

    [Fact]
    public async Task RedisDown_EachNodeCountsTheBudgetInItsOwnMemory_AndHealthSaysSo_ThenTheClusterCountsAgain()
    {
        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], Identifier("limited-down"), Budget(4));
        await Cluster.WarmAsync(tenant.Identifier);

        await fixture.Redis.StopAsync();
        try
        {
            // Each node learns of the outage on its first limited request, then counts 4 of its own.
            var passed = new Dictionary<string, int>();
            foreach (var node in Cluster.Nodes)
            {
                var replies = new List<Reply>();
                for (var i = 0; i < 6; i++)
                {
                    replies.Add(await NodeCluster.SendAsTenantAsync(node, tenant.Identifier, HttpMethod.Get, "/limited"));
                }

                output.WriteLine(string.Join('\n', replies.Select(r => r.ToString())));
                passed[node.Name] = replies.Count(r => r.Status == HttpStatusCode.OK);
                Assert.All(replies.Where(r => r.Status != HttpStatusCode.OK), r => Assert.Equal(RateLimited, r.ProblemType));
            }

            Assert.All(passed.Values, count => Assert.Equal(4, count));
            var health = await Task.WhenAll(Cluster.Nodes.Select(Health.ReadAsync));
            Assert.All(health, h => Assert.Equal("Degraded", h[Health.RateLimits]));
        }
        finally
        {
            await fixture.Redis.RestartAsync();
        }

        // Back in Redis once every node is connected again: a fresh tenant's budget is shared again.
        await Cluster.WaitUntilHealthyAsync(Notice);
        var fresh = await Cluster.CreateTenantAsync(Cluster["b"], Identifier("limited-back"), Budget(3));
        var again = new List<Reply>();
        for (var i = 0; i < 9; i++)
        {
            again.Add(await NodeCluster.SendAsTenantAsync(Cluster.Nodes[i % Cluster.Nodes.Count], fresh.Identifier, HttpMethod.Get, "/limited"));
        }

        output.WriteLine(string.Join('\n', again.Select(r => r.ToString())));
        Assert.Equal(3, again.Count(r => r.Status == HttpStatusCode.OK));
    }

    private static Dictionary<string, string> Budget(int permits) => new()
    {
        ["RateLimit:PermitLimit"] = permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimit:Window"] = "1.00:00:00",
    };

    private static string Identifier(string purpose) => $"{purpose}-{Guid.NewGuid().ToString("N")[..8]}";
}
