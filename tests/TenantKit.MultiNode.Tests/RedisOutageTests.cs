namespace TenantKit.MultiNode.Tests;

/// <summary>
/// Redis, which carries the change feed, goes down under the three nodes: they keep serving, report the feed as degraded,
/// and learn of changes by polling the catalog's change log every <see cref="NodeCluster.FallbackChangePollInterval"/>
/// (1 s) instead of the slow <see cref="NodeCluster.ChangePollInterval"/> (10 s). Each test starts Redis again and waits
/// until every node is healthy before it ends.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisOutageTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string Suspended = "https://tenantkit.dev/problems/tenant-suspended";

    /// <summary>
    /// How long after a change every node must serve it while polling: one fallback interval, plus 1 s for the poll's
    /// own query, the test's requests and scheduling on a busy 2-core machine.
    /// </summary>
    private static readonly TimeSpan ByPolling = NodeCluster.FallbackChangePollInterval + TimeSpan.FromSeconds(1);

    /// <summary>How long a node may take to notice that Redis is gone, or back.</summary>
    private static readonly TimeSpan Notice = TimeSpan.FromSeconds(15);

    private NodeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task RedisDown_EveryNodeReportsDegradedAndLearnsOfAChangeWithinTheFallbackInterval()
    {
        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], Identifier("redis-down"));
        await Cluster.WarmAsync(tenant.Identifier);

        await fixture.Redis.StopAsync();
        try
        {
            await WaitUntilEveryNodeReportsTheFeedDegradedAsync();

            await Cluster.SuspendAsync(Cluster["a"], tenant.Id);

            var took = await Eventually.UntilAsync($"with Redis down, every node refuses the suspended {tenant.Identifier}", ByPolling, async () =>
            {
                var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier);
                return (replies.All(r => r.Status == HttpStatusCode.Forbidden && r.ProblemType == Suspended), Lines(replies));
            }, Cluster.Describe);
            output.WriteLine($"with Redis down, every node applied the suspension after {took.TotalMilliseconds:0} ms");

            // Still degraded, still serving: another tenant is unaffected.
            var other = await Cluster.CreateTenantAsync(Cluster["b"], Identifier("redis-down-other"));
            await Eventually.UntilAsync($"with Redis down, every node serves {other.Identifier}", ByPolling, async () =>
            {
                var replies = await Cluster.WhoAmIEverywhereAsync(other.Identifier);
                return (replies.All(r => r.Status == HttpStatusCode.OK && r.Get("tenantId") == other.Id), Lines(replies));
            }, Cluster.Describe);
        }
        finally
        {
            await fixture.Redis.RestartAsync();
            await Cluster.WaitUntilHealthyAsync(Notice);
        }
    }

    [Fact]
    public async Task RedisRestarted_AfterAChangeWhileItWasDown_EveryNodeConvergesAndTheFeedCarriesChangesAgain()
    {
        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], Identifier("redis-back"), Greeting("before"));
        await Cluster.WarmAsync(tenant.Identifier);

        await fixture.Redis.StopAsync();
        try
        {
            await WaitUntilEveryNodeReportsTheFeedDegradedAsync();
            tenant = await Cluster.UpdatePropertiesAsync(Cluster["a"], tenant, Greeting("while down"));
        }
        finally
        {
            await fixture.Redis.RestartAsync();
        }

        await ExpectGreetingEverywhereAsync(tenant, "while down", ByPolling, "the change made while Redis was down");

        // The feed is connected again on every node, and carries the next change within a second (not 10 s of slow poll).
        await Cluster.WaitUntilHealthyAsync(Notice);
        tenant = await Cluster.UpdatePropertiesAsync(Cluster["c"], tenant, Greeting("after"));
        await ExpectGreetingEverywhereAsync(tenant, "after", TimeSpan.FromSeconds(1), "the change made once Redis was back");
    }

    private Task WaitUntilEveryNodeReportsTheFeedDegradedAsync() => Eventually.UntilAsync(
        "every node reports the change feed Degraded (and serves: 200)",
        Notice,
        async () =>
        {
            var health = await Task.WhenAll(Cluster.Nodes.Select(Health.ReadAsync));
            return (health.All(h => h.Code == HttpStatusCode.OK && h.Status == "Degraded" && h[Health.ChangeFeed] == "Degraded"), string.Join('\n', health.Select(h => h.ToString())));
        },
        Cluster.Describe);

    private async Task ExpectGreetingEverywhereAsync(TenantResource tenant, string greeting, TimeSpan within, string what)
    {
        var took = await Eventually.UntilAsync($"every node serves {tenant.Identifier} v{tenant.Version} with greeting '{greeting}' ({what})", within, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier);
            return (replies.All(r => r.Status == HttpStatusCode.OK && r.Get("greeting") == greeting && r.Json.GetProperty("version").GetInt64() == tenant.Version), Lines(replies));
        }, Cluster.Describe);
        output.WriteLine($"{what}: every node served it after {took.TotalMilliseconds:0} ms");
    }

    private static Dictionary<string, string> Greeting(string text) => new() { ["Greeting:Text"] = text };

    private static string Identifier(string purpose) => $"{purpose}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string Lines(IEnumerable<Reply> replies) => string.Join('\n', replies.Select(r => r.ToString()));
}
