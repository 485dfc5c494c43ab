namespace TenantKit.MultiNode.Tests;

/// <summary>
/// The catalog's PostgreSQL goes down under two nodes (a cluster of the class's own, so stopping it disturbs no other
/// test): what the nodes already know keeps serving, what they do not know is "unavailable" (503), never "not found".
/// </summary>
public sealed class PostgresOutageTests(PostgresOutageTests.Fixture fixture) : IClassFixture<PostgresOutageTests.Fixture>
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(20);

    private NodeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task PostgresDown_ResidentAndCachedTenantsKeepServing_UnknownTenantGets503()
    {
        var (a, b) = (Cluster["a"], Cluster["b"]);
        var resident = await Cluster.CreateTenantAsync(a, Identifier("resident"));
        var cached = await Cluster.CreateTenantAsync(a, Identifier("cached"));
        await Cluster.WarmAsync(resident.Identifier);
        await Cluster.WarmAsync(cached.Identifier);
        // "cached": in each node's catalog cache, but no longer resident (its container is gone).
        await Cluster.UnloadAsync(a, cached.Id);
        await Cluster.UnloadAsync(b, cached.Id);

        await fixture.Postgres.StopAsync();
        try
        {
            foreach (var node in Cluster.Nodes)
            {
                var served = await NodeCluster.WhoAmIAsync(node, resident.Identifier);
                Assert.True(served.Status == HttpStatusCode.OK && served.Get("tenantId") == resident.Id, $"resident tenant while PostgreSQL is down: {served}\n{Cluster.Describe()}");

                var rebuilt = await NodeCluster.WhoAmIAsync(node, cached.Identifier);
                Assert.True(rebuilt.Status == HttpStatusCode.OK && rebuilt.Get("tenantId") == cached.Id, $"cached, unloaded tenant while PostgreSQL is down: {rebuilt}\n{Cluster.Describe()}");

                var unknown = await NodeCluster.WhoAmIAsync(node, Identifier("unknown"));
                Assert.True(
                    unknown.Status == HttpStatusCode.ServiceUnavailable && unknown.ProblemType == "https://tenantkit.dev/problems/tenant-catalog-unavailable",
                    $"unknown tenant while PostgreSQL is down (must be 503 catalog-unavailable, never 404): {unknown}\n{Cluster.Describe()}");

                var health = await Health.ReadAsync(node);
                Assert.True(
                    health.Code == HttpStatusCode.ServiceUnavailable && health[Health.Catalog] == "Unhealthy",
                    $"{node.Name} health while PostgreSQL is down: {health}");
            }
        }
        finally
        {
            await fixture.Postgres.RestartAsync();
        }
    }

    [Fact]
    public async Task PostgresRestarted_AfterOutage_NodesFindNewTenantsAndNeverRememberedTheOutageAsNotFound()
    {
        var (a, b) = (Cluster["a"], Cluster["b"]);
        var later = Identifier("later");
        await fixture.Postgres.StopAsync();
        try
        {
            var during = await Task.WhenAll(Cluster.Nodes.Select(n => NodeCluster.WhoAmIAsync(n, later)));
            Assert.All(during, r => Assert.True(r.Status == HttpStatusCode.ServiceUnavailable, $"while PostgreSQL is down: {r}"));
        }
        finally
        {
            await fixture.Postgres.RestartAsync();
        }

        // Every node reports the catalog healthy again, by itself.
        await Eventually.UntilAsync("every node's catalog check is healthy again", Recovery, async () =>
        {
            var health = await Task.WhenAll(Cluster.Nodes.Select(Health.ReadAsync));
            return (health.All(h => h.Code == HttpStatusCode.OK && h[Health.Catalog] == "Healthy"), string.Join('\n', health.Select(h => h.ToString())));
        }, Cluster.Describe);

        // The identifier asked for during the outage was not cached as unknown: once created, every node serves it.
        var tenant = await Cluster.CreateTenantAsync(b, later);
        await Eventually.UntilAsync($"{later}, created after the outage through b, is served by every node", Recovery, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(later);
            return (replies.All(r => r.Status == HttpStatusCode.OK && r.Get("tenantId") == tenant.Id), string.Join('\n', replies.Select(r => r.ToString())));
        }, Cluster.Describe);

        // And the tenant's data is reachable again through both nodes.
        var written = await NodeCluster.SendAsTenantAsync(a, later, HttpMethod.Post, "/notes", new { text = "after the outage" });
        Assert.True(written.Status == HttpStatusCode.Created, $"write after the outage: {written}\n{Cluster.Describe()}");
        var read = await NodeCluster.SendAsTenantAsync(b, later, HttpMethod.Get, "/notes");
        Assert.True(read.Status == HttpStatusCode.OK && read.Body.Contains("after the outage", StringComparison.Ordinal), $"read after the outage: {read}");
    }

    private static string Identifier(string purpose) => $"pg-{purpose}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A PostgreSQL cluster of the class's own, a Redis, and two nodes on them.</summary>
    public sealed class Fixture() : NodeClusterFixture("a", "b")
    {
        public PostgresCluster Postgres { get; private set; } = null!;

        protected override async Task<string> StartDatabaseAsync()
        {
            Postgres = await PostgresCluster.StartAsync();
            return await Postgres.CreateDatabaseAsync("catalog");
        }

        protected override async ValueTask DisposeDatabaseAsync()
        {
            if (Postgres is not null)
            {
                await Postgres.DisposeAsync();
            }
        }
    }
}
