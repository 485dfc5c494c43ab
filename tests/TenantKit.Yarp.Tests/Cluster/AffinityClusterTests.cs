using System.Diagnostics;
using System.Globalization;
using TenantKit.Yarp.Tests.Proxy;
using Xunit.Abstractions;

namespace TenantKit.Yarp.Tests.Cluster;

/// <summary>
/// The proof with real processes: a YARP proxy (in this process, on Kestrel) in front of three node processes sharing a
/// PostgreSQL catalog and a Redis change feed; Zipf load over a thousand tenants through the proxy. With affinity each
/// tenant is built on about one node; a node killed mid-load costs only the requests in flight on it; restarted, it
/// takes back its own tenants and nothing else. Without affinity (round robin) the same load builds hot tenants on
/// every node. Figures are written to the test output.
/// </summary>
public sealed class AffinityClusterTests(AffinityClusterFixture fixture, ITestOutputHelper output) : IClassFixture<AffinityClusterFixture>
{
    private const int Tenants = 1_000;
    private const int Requests = 4_000;
    private const int Workers = 8;
    private const double ResidentBound = 1.0 / 3 + 0.10;

    private NodeCluster Nodes => fixture.Cluster;

    [Fact]
    public async Task ZipfThroughTheProxy_TenantsOnAboutOneNode_KilledNodeFailsOver_RestartedNodeTakesBackOnlyItsOwn()
    {
        var tenants = await fixture.CreateTenantsAsync("aff", Tenants);
        var (routes, clusters) = TestProxy.OneCluster(Nodes.Nodes.ToDictionary(n => n.Name, n => n.Address.ToString()));
        await using var proxy = await TestProxy.StartAsync(routes, clusters, t => t.WithHostStrategy("{tenant}.localhost"));
        var load = new ZipfLoad(proxy.Client, tenants, ".localhost");

        // 1. Steady state.
        var before = await fixture.RuntimeAsync("aff");
        var clock = Stopwatch.StartNew();
        await load.RunAsync(Workers, Requests, CancellationToken.None);
        var steady = load.Since(0);
        var after = await fixture.RuntimeAsync("aff");
        var active = steady.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.Tenant).Distinct().Count();
        var builds = after.Sum(n => n.Value.Builds - before[n.Key].Builds);
        var owners = steady.Where(r => r.Node is not null).GroupBy(r => r.Tenant).ToDictionary(g => g.Key, g => g.Last().Node!);
        var onTwoNodes = steady.Where(r => r.Node is not null).GroupBy(r => r.Tenant).Count(g => g.Select(r => r.Node).Distinct().Count() > 1);
        output.WriteLine($"affinity: {steady.Length} requests in {clock.Elapsed.TotalSeconds:0.0} s, {active} active tenants, {onTwoNodes} served by more than one node (bounded-load spill)");
        output.WriteLine($"affinity: resident per node {Describe(after, n => n.Resident)}; builds {builds} (per node {Describe(after, n => n.Builds - before[n.Node].Builds)}); managed heap MB {Describe(after, n => n.ManagedHeapBytes >> 20)}");

        Assert.True(steady.All(r => r.Status == HttpStatusCode.OK), Failures(steady));
        Assert.All(after.Values, n => Assert.True(n.Resident <= ResidentBound * active, $"node {n.Node}: {n.Resident} resident of {active} active tenants, more than 1/3 + 10 %"));
        Assert.True(after.Values.Sum(n => n.Resident) >= active, "every active tenant is resident somewhere");
        Assert.True(builds <= 1.10 * active, $"{builds} builds for {active} tenants: more than 10 % above one per tenant");

        // 2. Node c killed in the middle of the load.
        var victim = Nodes["c"];
        using var stop = new CancellationTokenSource();
        var mark = load.Completed;
        var running = load.RunAsync(Workers, null, stop.Token);
        await Eventually.UntilAsync("500 requests before the kill", TimeSpan.FromSeconds(30), () => Task.FromResult((load.Completed >= mark + 500, $"{load.Completed - mark}")));
        var killStart = Stopwatch.GetTimestamp();
        await victim.KillAsync();
        var killEnd = Stopwatch.GetTimestamp();
        var atKill = load.Completed;
        await Eventually.UntilAsync("2,000 requests after the kill", TimeSpan.FromSeconds(60), () => Task.FromResult((load.Completed >= atKill + 2_000, $"{load.Completed - atKill}")));
        await stop.CancelAsync();
        await running;

        var outage = load.Since(mark);
        var failed = outage.Where(r => r.Status != HttpStatusCode.OK).ToArray();
        var victimsTenants = outage.Where(r => r.Start >= killEnd && owners.GetValueOrDefault(r.Tenant) == "c").ToArray();
        var firstServed = victimsTenants.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.End).DefaultIfEmpty(long.MaxValue).Min();
        var failover = Stopwatch.GetElapsedTime(killStart, firstServed);
        var slowest = victimsTenants.Where(r => Stopwatch.GetElapsedTime(killStart, r.Start) < TimeSpan.FromSeconds(2)).Select(r => Stopwatch.GetElapsedTime(r.Start, r.End).TotalMilliseconds).DefaultIfEmpty(0).Max();
        output.WriteLine($"kill: {failed.Length} failed of {outage.Length} requests (at most {Workers} in flight); c's tenants served by their next choice {failover.TotalMilliseconds:0} ms after the kill; slowest c-tenant request in the first 2 s {slowest:0} ms; {victimsTenants.Length} c-tenant requests after the kill");

        var failures = string.Join('\n', failed.Select(r => $"{r.Tenant} {(int)r.Status} started {Stopwatch.GetElapsedTime(killStart, r.Start).TotalMilliseconds:0} ms after the kill began (kill took {Stopwatch.GetElapsedTime(killStart, killEnd).TotalMilliseconds:0} ms), lasted {Stopwatch.GetElapsedTime(r.Start, r.End).TotalMilliseconds:0} ms"));
        output.WriteLine($"kill: failures\n{failures}\nproxy log:\n{proxy.Log}");
        Assert.True(failed.Length <= Workers, $"{failed.Length} requests failed, more than the {Workers} that can be in flight:\n{string.Join('\n', failed.Select(r => $"{r.Tenant} {(int)r.Status} started {Stopwatch.GetElapsedTime(killStart, r.Start).TotalMilliseconds:0} ms after the kill began (kill took {Stopwatch.GetElapsedTime(killStart, killEnd).TotalMilliseconds:0} ms), lasted {Stopwatch.GetElapsedTime(r.Start, r.End).TotalMilliseconds:0} ms"))}\n{proxy.Log}");
        Assert.All(failed, r => Assert.True(r.Start < killEnd, $"a request sent after the kill failed: {r}"));
        Assert.NotEmpty(victimsTenants);
        Assert.True(failover <= TimeSpan.FromSeconds(2), $"c's tenants were first served {failover.TotalMilliseconds:0} ms after the kill");
        var duringOutage = outage.Where(r => r.Start >= killEnd && r.Node is not null).GroupBy(r => r.Tenant).ToDictionary(g => g.Key, g => g.Last().Node!);
        Assert.DoesNotContain("c", duringOutage.Values);

        // 3. c restarted (another process, another port; the same destination id): it takes back its own tenants only.
        await Nodes.RemoveAsync(victim);
        var restarted = await Nodes.StartNodeAsync("c");
        var (newRoutes, newClusters) = TestProxy.OneCluster(Nodes.Nodes.ToDictionary(n => n.Name, n => n.Address.ToString()));
        proxy.Config.Update(newRoutes, newClusters);
        var probe = owners.First(o => o.Value == "c").Key;
        var back = await Eventually.UntilAsync($"{probe} served by the restarted c", TimeSpan.FromSeconds(20), async () =>
        {
            var (status, body, _) = await proxy.GetAsync($"{probe}.localhost", "/whoami");
            return (status == HttpStatusCode.OK && body.Contains("\"node\":\"c\"", StringComparison.Ordinal), $"{(int)status} {body}");
        });
        var cBefore = (await fixture.RuntimeAsync("aff"))["c"];
        mark = load.Completed;
        await load.RunAsync(Workers, Requests, CancellationToken.None);
        var rejoined = load.Since(mark);
        var cAfter = (await fixture.RuntimeAsync("aff"))["c"];
        var now = rejoined.Where(r => r.Node is not null).GroupBy(r => r.Tenant).ToDictionary(g => g.Key, g => g.Last().Node!);
        var compared = now.Keys.Where(duringOutage.ContainsKey).ToArray();
        var moved = compared.Where(t => now[t] != duringOutage[t]).ToArray();
        var home = now.Count(p => owners.GetValueOrDefault(p.Key) is { } owner && owner == p.Value);
        output.WriteLine($"restart: c back in rotation {back.TotalMilliseconds:0} ms after the proxy learnt its address; {moved.Length} of {compared.Length} tenants moved ({100.0 * moved.Length / compared.Length:0.0} %), all to c: {moved.All(t => now[t] == "c")}; {home} of {now.Count(p => owners.ContainsKey(p.Key))} tenants on their first owner again; c built {cAfter.Builds - cBefore.Builds}, holds {cAfter.Resident}");

        Assert.True(rejoined.All(r => r.Status == HttpStatusCode.OK), Failures(rejoined));
        Assert.All(moved, t => Assert.Equal("c", now[t]));
        Assert.InRange(moved.Length, (int)(0.20 * compared.Length), (int)(0.45 * compared.Length));
    }

    [Fact]
    public async Task WithoutAffinity_RoundRobinBuildsHotTenantsOnEveryNode()
    {
        var tenants = await fixture.CreateTenantsAsync("rr", Tenants);
        var (routes, clusters) = TestProxy.OneCluster(Nodes.Nodes.ToDictionary(n => n.Name, n => n.Address.ToString()), policy: "RoundRobin");
        await using var proxy = await TestProxy.StartAsync(routes, clusters, t => t.WithHostStrategy("{tenant}.localhost"));
        var load = new ZipfLoad(proxy.Client, tenants, ".localhost");

        var before = await fixture.RuntimeAsync("rr");
        await load.RunAsync(Workers, Requests, CancellationToken.None);
        var records = load.Since(0);
        var after = await fixture.RuntimeAsync("rr");
        var active = records.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.Tenant).Distinct().Count();
        var builds = after.Sum(n => n.Value.Builds - before[n.Key].Builds);
        output.WriteLine($"round robin: {records.Length} requests, {active} active tenants; resident per node {Describe(after, n => n.Resident)}; builds {builds} (per node {Describe(after, n => n.Builds - before[n.Node].Builds)}); managed heap MB {Describe(after, n => n.ManagedHeapBytes >> 20)}");

        Assert.True(records.All(r => r.Status == HttpStatusCode.OK), Failures(records));
        Assert.True(builds >= 1.3 * active, $"round robin built {builds} containers for {active} tenants: expected well above one per tenant");
        Assert.Contains(after.Values, n => n.Resident > ResidentBound * active);
    }

    private static string Describe(Dictionary<string, NodeRuntime> nodes, Func<NodeRuntime, long> value)
        => string.Join(", ", nodes.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key} {value(n.Value).ToString(CultureInfo.InvariantCulture)}"));

    private static string Failures(IEnumerable<ZipfLoad.Record> records)
        => string.Join('\n', records.Where(r => r.Status != HttpStatusCode.OK).Take(20).Select(r => $"{r.Tenant}: {(int)r.Status} {r.Error}"));
}
