using System.Collections.Concurrent;

namespace TenantKit.MultiNode.Tests;

/// <summary>
/// A node dies (SIGKILL) in the middle of requests, one of them holding an open database transaction, while the other
/// nodes are under load for the same tenant: they serve every request, and the dead node's unfinished write is lost,
/// never half-applied. The node killed is one started for this test (so the shared nodes a, b and c stay up for the
/// other tests); it is configured exactly like them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NodeFailureTests(ClusterFixture fixture)
{
    private NodeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task KillNodeMidRequest_OtherNodesKeepServingEveryRequest()
    {
        var victim = await Cluster.StartNodeAsync("killed");
        try
        {
            var survivors = Cluster.Nodes.Where(n => n != victim).ToList();
            var tenant = await Cluster.CreateTenantAsync(Cluster["a"], $"kill-{Guid.NewGuid().ToString("N")[..8]}", new Dictionary<string, string> { ["Greeting:Text"] = "before" });
            await Cluster.WarmAsync(tenant.Identifier);
            var committed = await NodeCluster.SendAsTenantAsync(victim, tenant.Identifier, HttpMethod.Post, "/notes", new { text = "committed by the killed node" });
            Assert.True(committed.Status == HttpStatusCode.Created, committed.ToString());

            // Load on the survivors: every request must be answered 200 for this tenant, before, during and after the kill.
            using var stop = new CancellationTokenSource();
            var load = new Load(tenant);
            var workers = survivors.Select(node => load.RunAsync(node, stop.Token)).ToList();

            // Two requests in flight on the victim: a slow read, and a write whose transaction is open (row inserted).
            var slowRead = NodeCluster.SendAsTenantAsync(victim, tenant.Identifier, HttpMethod.Get, "/slow?ms=30000");
            var slowWrite = NodeCluster.SendAsTenantAsync(victim, tenant.Identifier, HttpMethod.Post, "/notes/slow?ms=30000", new { text = "never committed" });
            await victim.WaitForOutputAsync("slow-request-started", TimeSpan.FromSeconds(10));
            await victim.WaitForOutputAsync("slow-write-pending", TimeSpan.FromSeconds(10));
            await Eventually.UntilAsync("every survivor served some requests before the kill", TimeSpan.FromSeconds(10), () =>
                Task.FromResult((survivors.All(n => load.Served(n.Name) >= 5), load.Describe())));

            await victim.KillAsync();
            var servedAtKill = survivors.ToDictionary(n => n.Name, n => load.Served(n.Name));

            // The victim's requests got no answer: it died in the middle of them.
            var cut = await Task.WhenAll(slowRead, slowWrite);
            Assert.All(cut, r => Assert.True(r.IsFailure, $"a request in flight on the killed node was answered: {r}"));

            await Eventually.UntilAsync("every survivor served 20 more requests after the kill", TimeSpan.FromSeconds(15), () =>
                Task.FromResult((survivors.All(n => load.Served(n.Name) >= servedAtKill[n.Name] + 20), load.Describe())));
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            Assert.True(load.Failures.IsEmpty, $"requests to the surviving nodes failed:\n{string.Join('\n', load.Failures.Take(20))}\n{Cluster.Describe()}");

            // The killed node's open transaction was rolled back; its committed row is there; the survivors write and
            // still learn of changes made on each other.
            var notes = await NodeCluster.SendAsTenantAsync(Cluster["b"], tenant.Identifier, HttpMethod.Get, "/notes");
            Assert.True(notes.Status == HttpStatusCode.OK, notes.ToString());
            Assert.Contains("committed by the killed node", notes.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("never committed", notes.Body, StringComparison.Ordinal);

            var written = await NodeCluster.SendAsTenantAsync(Cluster["c"], tenant.Identifier, HttpMethod.Post, "/notes", new { text = "after the kill" });
            Assert.True(written.Status == HttpStatusCode.Created, written.ToString());

            var updated = await Cluster.UpdatePropertiesAsync(Cluster["b"], tenant, new Dictionary<string, string> { ["Greeting:Text"] = "after" });
            await Eventually.UntilAsync("every surviving node serves the change made after the kill", TimeSpan.FromSeconds(1), async () =>
            {
                var replies = await Cluster.WhoAmIEverywhereAsync(tenant.Identifier, survivors);
                return (replies.All(r => r.Status == HttpStatusCode.OK && r.Get("greeting") == "after" && r.Json.GetProperty("version").GetInt64() == updated.Version), string.Join('\n', replies.Select(r => r.ToString())));
            }, Cluster.Describe);
        }
        finally
        {
            await Cluster.RemoveAsync(victim);
        }
    }

    /// <summary>Requests for one tenant in a loop, alternating a read of the tenant and of its rows; counts and failures per node.</summary>
    private sealed class Load(TenantResource tenant)
    {
        private readonly ConcurrentDictionary<string, int> _served = new();

        public ConcurrentQueue<string> Failures { get; } = new();

        public int Served(string node) => _served.GetValueOrDefault(node);

        public string Describe() => string.Join(", ", _served.Select(p => $"{p.Key}: {p.Value}")) + $"; {Failures.Count} failures";

        public async Task RunAsync(NodeProcess node, CancellationToken stop)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                Reply reply;
                try
                {
                    reply = i % 2 == 0
                        ? await NodeCluster.WhoAmIAsync(node, tenant.Identifier)
                        : await NodeCluster.SendAsTenantAsync(node, tenant.Identifier, HttpMethod.Get, "/notes", cancellationToken: stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }

                var ok = reply.Status == HttpStatusCode.OK && (i % 2 != 0 || reply.Get("tenantId") == tenant.Id);
                if (ok)
                {
                    _served.AddOrUpdate(node.Name, 1, (_, n) => n + 1);
                }
                else
                {
                    Failures.Enqueue(reply.ToString());
                }
            }
        }
    }
}
