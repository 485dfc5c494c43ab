using TenantKit.Yarp.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace TenantKit.Yarp.Tests.Proxy;

/// <summary>
/// YARP's health checks decide which destinations the policy chooses from: a node whose <c>/health</c> fails YARP's
/// active check loses its tenants to their next choice before any request fails, and gets them back when healthy; a
/// refused connection marks a node unhealthy at once (passive). The node a tenant left keeps it until its idle rule
/// unloads it: nothing is broadcast. Real TenantKit nodes on Kestrel, their runtimes on fake clocks; the proxy's own
/// health probes run on real time, so the tests wait for YARP's verdict with a deadline.
/// </summary>
public sealed class HealthCheckTests : IAsyncLifetime
{
    private static readonly string[] Ids = ["a", "b", "c"];
    private static readonly string[] Tenants = [.. Enumerable.Range(0, 30).Select(i => $"t{i}")];
    private readonly Dictionary<string, TenantNode> _nodes = [];

    public async Task InitializeAsync()
    {
        foreach (var id in Ids)
        {
            _nodes[id] = await TenantNode.StartAsync(id, Tenants.Select(t => new TenantDraft(t)), idleTimeout: TimeSpan.FromMinutes(10));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task ActiveCheck_NodeReportsUnhealthy_ItsTenantsGoToTheirNextChoice_NoRequestFails_AndReturnWhenItIsHealthy()
    {
        await using var proxy = await StartProxyAsync(TimeSpan.FromMilliseconds(200));
        var owned = Owned("a", Ids);
        foreach (var tenant in owned)
        {
            Assert.Equal($"a|{tenant}", await GetAsync(proxy, tenant));
        }

        _nodes["a"].Healthy = false;
        await UntilActiveAsync(proxy, "a", DestinationHealth.Unhealthy);
        var servedByA = _nodes["a"].Served;

        string[] survivors = ["b", "c"];
        foreach (var tenant in owned)
        {
            Assert.Equal($"{FirstChoice(tenant, survivors)}|{tenant}", await GetAsync(proxy, tenant));
        }

        Assert.Equal(servedByA, _nodes["a"].Served);
        Assert.DoesNotContain(proxy.Log.Entries, e => e.Contains("[8001]", StringComparison.Ordinal));

        _nodes["a"].Healthy = true;
        await UntilActiveAsync(proxy, "a", DestinationHealth.Healthy);
        foreach (var tenant in owned)
        {
            Assert.Equal($"a|{tenant}", await GetAsync(proxy, tenant));
        }
    }

    [Fact]
    public async Task PassiveCheck_RefusedConnection_MarksTheNodeUnhealthyAtOnce_OnlyTheFirstRequestTriesIt()
    {
        // Active probes every minute: only the passive verdict can take a out of rotation during this test.
        await using var proxy = await StartProxyAsync(TimeSpan.FromMinutes(1));
        var owned = Owned("a", Ids);
        Assert.True(owned.Length >= 2, "a owns at least two of the tenants");
        Assert.Equal($"a|{owned[0]}", await GetAsync(proxy, owned[0]));

        await _nodes["a"].DisposeAsync();

        string[] survivors = ["b", "c"];
        Assert.Equal($"{FirstChoice(owned[0], survivors)}|{owned[0]}", await GetAsync(proxy, owned[0]));
        Assert.Equal(DestinationHealth.Unhealthy, Health(proxy, "a").Passive);
        foreach (var tenant in owned.Skip(1))
        {
            Assert.Equal($"{FirstChoice(tenant, survivors)}|{tenant}", await GetAsync(proxy, tenant));
        }

        // One failover (the first request, whose connection was refused); afterwards a is not even tried.
        Assert.Single(proxy.Log.Entries, e => e.Contains("[8001]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TenantMovedAway_ItsOldNodeUnloadsItByTheIdleRule_NotBefore()
    {
        await using var proxy = await StartProxyAsync(TimeSpan.FromMilliseconds(200));
        var tenant = Owned("a", Ids)[0];
        Assert.Equal($"a|{tenant}", await GetAsync(proxy, tenant));
        Assert.True(_nodes["a"].IsResident(tenant));

        _nodes["a"].Healthy = false;
        await UntilActiveAsync(proxy, "a", DestinationHealth.Unhealthy);
        var next = FirstChoice(tenant, ["b", "c"]);
        Assert.Equal($"{next}|{tenant}", await GetAsync(proxy, tenant));

        // Nothing tells a that the tenant moved: it stays resident there until a's idle timeout (10 minutes).
        Assert.True(_nodes[next].IsResident(tenant));
        _nodes["a"].Time.Advance(TimeSpan.FromMinutes(9));
        Assert.True(_nodes["a"].IsResident(tenant), "unloaded before its idle timeout");
        _nodes["a"].Time.Advance(TimeSpan.FromMinutes(2));
        await _nodes["a"].Runtime.WaitForUnloadAsync(Id(_nodes["a"], tenant));
        Assert.False(_nodes["a"].IsResident(tenant), "still resident past its idle timeout");
        Assert.True(_nodes[next].IsResident(tenant));
    }

    private async Task<TestProxy> StartProxyAsync(TimeSpan activeInterval)
    {
        var cluster = TestProxy.Cluster("nodes", _nodes.ToDictionary(n => n.Key, n => n.Value.Address), activeInterval: activeInterval);
        return await TestProxy.StartAsync([TestProxy.CatchAll("all", "nodes")], [cluster], t => t.WithHostStrategy("{tenant}.example.com"));
    }

    private static async Task<string> GetAsync(TestProxy proxy, string tenant)
    {
        var (status, body, _) = await proxy.GetAsync($"{tenant}.example.com", "/whoami");
        Assert.True(status == HttpStatusCode.OK, $"{tenant}: {(int)status} {body}\n{proxy.Log}");
        return body;
    }

    /// <summary>Waits (10 s at most) for YARP's active check, on real time, to give <paramref name="destination"/> this verdict.</summary>
    private static Task<TimeSpan> UntilActiveAsync(TestProxy proxy, string destination, DestinationHealth verdict)
        => Eventually.UntilAsync($"YARP's active check marks {destination} {verdict}", TimeSpan.FromSeconds(10), () =>
        {
            var active = Health(proxy, destination).Active;
            return Task.FromResult((active == verdict, active.ToString()));
        });

    private static DestinationHealthState Health(TestProxy proxy, string destination)
    {
        Assert.True(proxy.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("nodes", out var cluster));
        return cluster.Destinations[destination].Health;
    }

    private static string Id(TenantNode node, string identifier) => node.Runtime.GetStatuses().Single(s => s.Identifier == identifier).TenantId;

    private static string FirstChoice(string tenant, string[] ids) => ids[AffinityChooser.Choose(RendezvousHash.Of(tenant), ids.Length, i => ids[i], _ => 0, 0.25, 16)];

    private static string[] Owned(string owner, string[] ids) => [.. Tenants.Where(t => FirstChoice(t, ids) == owner)];
}
