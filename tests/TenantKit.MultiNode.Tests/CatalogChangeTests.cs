namespace TenantKit.MultiNode.Tests;

/// <summary>
/// A change made through one node's administration API reaches the other nodes within a second (the Redis change feed;
/// the nodes' slow poll is 10 s, so polling cannot be what makes these pass). Every tenant is first served by every node,
/// so each has it cached and resident: the change must displace what the nodes hold.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CatalogChangeTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string Suspended = "https://tenantkit.dev/problems/tenant-suspended";
    private const string NotFound = "https://tenantkit.dev/problems/tenant-not-found";
    private static readonly TimeSpan WithinOneSecond = TimeSpan.FromSeconds(1);

    private NodeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Suspend_ThroughNodeA_EveryOtherNodeRefusesWithin1Second()
    {
        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], Identifier("suspend"));
        await Cluster.WarmAsync(tenant.Identifier);

        await Cluster.SuspendAsync(Cluster["a"], tenant.Id);

        var took = await Eventually.UntilAsync($"every node refuses the suspended {tenant.Identifier} (403 {Suspended})", WithinOneSecond, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier);
            return (replies.All(r => r.Status == HttpStatusCode.Forbidden && r.ProblemType == Suspended), Lines(replies));
        }, Cluster.Describe);
        Took(took, "every node applied the change");
    }

    [Fact]
    public async Task Resume_ThroughNodeA_EveryOtherNodeServesAgainWithin1Second()
    {
        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], Identifier("resume"));
        await Cluster.WarmAsync(tenant.Identifier);
        await Cluster.SuspendAsync(Cluster["a"], tenant.Id);
        await Eventually.UntilAsync($"every node refuses the suspended {tenant.Identifier}", TimeSpan.FromSeconds(5), async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier);
            return (replies.All(r => r.Status == HttpStatusCode.Forbidden), Lines(replies));
        }, Cluster.Describe);

        await Cluster.ResumeAsync(Cluster["a"], tenant.Id);

        var took = await Eventually.UntilAsync($"every node serves the resumed {tenant.Identifier} again", WithinOneSecond, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier);
            return (replies.All(r => r.Status == HttpStatusCode.OK && r.Get("tenantId") == tenant.Id), Lines(replies));
        }, Cluster.Describe);
        Took(took, "every node applied the change");
    }

    [Fact]
    public async Task Delete_ThroughNodeA_EveryNodeAnswers404Within1Second()
    {
        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], Identifier("delete"));
        await Cluster.WarmAsync(tenant.Identifier);

        await Cluster.DeleteAsync(Cluster["a"], tenant);

        var took = await Eventually.UntilAsync($"every node answers 404 {NotFound} for the deleted {tenant.Identifier}", WithinOneSecond, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier);
            return (replies.All(r => r.Status == HttpStatusCode.NotFound && r.ProblemType == NotFound), Lines(replies));
        }, Cluster.Describe);
        Took(took, "every node applied the change");
    }

    [Fact]
    public async Task UpdateProperty_ThroughNodeB_EveryNodeServesTheNewValueWithin1Second()
    {
        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], Identifier("update"), new Dictionary<string, string> { ["Greeting:Text"] = "before" });
        await Cluster.WarmAsync(tenant.Identifier);

        var updated = await Cluster.UpdatePropertiesAsync(Cluster["b"], tenant, new Dictionary<string, string> { ["Greeting:Text"] = "after" });

        // Both the tenant the request sees and the options its container built (so the container was rebuilt).
        var took = await Eventually.UntilAsync($"every node serves {tenant.Identifier} v{updated.Version} with the new greeting", WithinOneSecond, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier);
            return (replies.All(r => r.Status == HttpStatusCode.OK
                && r.Get("greeting") == "after"
                && r.Json.GetProperty("properties").GetProperty("Greeting:Text").GetString() == "after"
                && r.Json.GetProperty("version").GetInt64() == updated.Version), Lines(replies));
        }, Cluster.Describe);
        Took(took, "every node applied the change");
    }

    [Fact]
    public async Task Reload_ThroughNodeA_EveryOtherNodeServesANewGenerationWithin1Second()
    {
        var (a, b, c) = (Cluster["a"], Cluster["b"], Cluster["c"]);
        var tenant = await Cluster.CreateTenantAsync(a, Identifier("reload"));
        await Cluster.WarmAsync(tenant.Identifier);
        // The generation of the tenant's container that answers on each node (from /whoami).
        var before = (await Cluster.WhoAmIEverywhereAsync(tenant.Identifier, [b, c])).ToDictionary(r => r.Node, Generation);
        Assert.All(before, g => Assert.True(g.Value >= 1, $"{g.Key} has no resident generation of {tenant.Identifier}"));

        await Cluster.ReloadAsync(a, tenant.Id);

        var took = await Eventually.UntilAsync($"b and c serve {tenant.Identifier} from a newer generation than {string.Join(", ", before)}", WithinOneSecond, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier, [b, c]);
            return (replies.All(r => r.Status == HttpStatusCode.OK && r.Get("tenantId") == tenant.Id && Generation(r) > before[r.Node]), Lines(replies));
        }, Cluster.Describe);
        Took(took, "every other node applied the reload");

        static long Generation(Reply reply) => reply.Status == HttpStatusCode.OK && reply.Json.GetProperty("generation") is { ValueKind: System.Text.Json.JsonValueKind.Number } g ? g.GetInt64() : -1;
    }

    [Fact]
    public async Task Create_ThroughNodeA_NodesThatRememberedTheIdentifierAsUnknownServeItWithin1Second()
    {
        var identifier = Identifier("create");
        // Every node asks for it first: unknown, and remembered as unknown (the negative cache lasts 10 s).
        var unknown = await Cluster.WhoAmIEverywhereAsync(identifier);
        Assert.All(unknown, r => Assert.True(r.Status == HttpStatusCode.NotFound && r.ProblemType == NotFound, r.ToString()));

        var tenant = await Cluster.CreateTenantAsync(Cluster["a"], identifier);

        var took = await Eventually.UntilAsync($"every node serves the new {identifier}", WithinOneSecond, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(identifier);
            return (replies.All(r => r.Status == HttpStatusCode.OK && r.Get("tenantId") == tenant.Id), Lines(replies));
        }, Cluster.Describe);
        Took(took, "every node applied the change");
    }

    [Fact]
    public async Task Unload_ThroughNodeA_IsLocal_OtherNodesKeepTheTenantResident()
    {
        var (a, b, c) = (Cluster["a"], Cluster["b"], Cluster["c"]);
        var tenant = await Cluster.CreateTenantAsync(a, Identifier("unload"));
        var marker = await Cluster.CreateTenantAsync(a, Identifier("unload-marker"), new Dictionary<string, string> { ["Greeting:Text"] = "before" });
        await Cluster.WarmAsync(tenant.Identifier);
        await Cluster.WarmAsync(marker.Identifier);
        var before = await Task.WhenAll(new[] { b, c }.Select(n => Cluster.GetTenantAsync(n, tenant.Id)));

        await Cluster.UnloadAsync(a, tenant.Id);
        // A change a announces after the unload: once b and c have applied it, they have seen anything a announced before
        // (one publisher, one channel: Redis keeps the order).
        marker = await Cluster.UpdatePropertiesAsync(a, marker, new Dictionary<string, string> { ["Greeting:Text"] = "after" });
        await Eventually.UntilAsync($"b and c serve {marker.Identifier} v{marker.Version}", WithinOneSecond, async () =>
        {
            var replies = await Cluster.WhoAmIEverywhereAsync(marker.Identifier, [b, c]);
            return (replies.All(r => r.Status == HttpStatusCode.OK && r.Get("greeting") == "after"), Lines(replies));
        }, Cluster.Describe);

        var onA = await Cluster.GetTenantAsync(a, tenant.Id);
        Assert.False(onA.Runtime!.Resident, $"a still has {tenant.Identifier} resident after unloading it");
        var after = await Task.WhenAll(new[] { b, c }.Select(n => Cluster.GetTenantAsync(n, tenant.Id)));
        for (var i = 0; i < after.Length; i++)
        {
            Assert.True(
                after[i].Runtime!.Resident && after[i].Runtime!.Generation == before[i].Runtime!.Generation,
                $"a node other than a unloaded or rebuilt {tenant.Identifier}: before {before[i].Runtime}, after {after[i].Runtime}");
        }
    }

    private void Took(TimeSpan elapsed, string what) => output.WriteLine($"{what}: {elapsed.TotalMilliseconds:0} ms");

    private static string Identifier(string purpose) => $"{purpose}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string Lines(IEnumerable<Reply> replies) => string.Join('\n', replies.Select(r => r.ToString()));
}
