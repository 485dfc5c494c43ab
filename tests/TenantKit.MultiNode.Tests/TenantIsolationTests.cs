namespace TenantKit.MultiNode.Tests;

/// <summary>
/// Several tenants write rows into one shared table through different nodes, at the same time; every node then serves
/// each tenant exactly its own rows, whichever node wrote them, with reads for all tenants interleaved on every node.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TenantIsolationTests(ClusterFixture fixture)
{
    private const int Tenants = 4;
    private const int NotesPerTenant = 6;
    private const int ReadRounds = 3;

    private NodeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task RowsWrittenThroughDifferentNodes_EveryNodeServesEachTenantOnlyItsOwnRows()
    {
        var nodes = Cluster.Nodes;
        var prefix = Guid.NewGuid().ToString("N")[..6];
        var tenants = new List<TenantResource>();
        for (var t = 0; t < Tenants; t++)
        {
            tenants.Add(await Cluster.CreateTenantAsync(nodes[t % nodes.Count], $"iso-{prefix}-{t}"));
        }

        // Writes: all tenants at once, each tenant's notes spread over every node (note n of tenant t through node (t + n) % N).
        var expected = tenants.ToDictionary(t => t.Id, t => Enumerable.Range(0, NotesPerTenant).Select(n => $"{t.Identifier} note {n}").ToHashSet());
        var writes = tenants.Select(async (tenant, t) =>
        {
            for (var n = 0; n < NotesPerTenant; n++)
            {
                var node = nodes[(t + n) % nodes.Count];
                var reply = await NodeCluster.SendAsTenantAsync(node, tenant.Identifier, HttpMethod.Post, "/notes", new { text = $"{tenant.Identifier} note {n}" });
                Assert.True(reply.Status == HttpStatusCode.Created && reply.Json.GetProperty("tenantId").GetString() == tenant.Id, $"write {n} of {tenant.Identifier}: {reply}");
            }
        });
        await Task.WhenAll(writes);

        // Reads: every tenant through every node, all at once, a few rounds.
        var reads = from round in Enumerable.Range(0, ReadRounds)
                    from tenant in tenants
                    from node in nodes
                    select ReadAsync(node, tenant);
        var results = await Task.WhenAll(reads);

        foreach (var (node, tenant, reply) in results)
        {
            Assert.True(reply.Status == HttpStatusCode.OK, $"{tenant.Identifier} through {node.Name}: {reply}");
            var rows = reply.Json.EnumerateArray().Select(r => (TenantId: r.GetProperty("tenantId").GetString(), Text: r.GetProperty("text").GetString()!, Node: r.GetProperty("node").GetString())).ToList();
            Assert.True(rows.All(r => r.TenantId == tenant.Id), $"{node.Name} served {tenant.Identifier} rows of another tenant: {reply.Body}");
            Assert.True(expected[tenant.Id].SetEquals(rows.Select(r => r.Text)), $"{node.Name} served {tenant.Identifier} rows other than its own {NotesPerTenant}: {reply.Body}");
            // The rows were written through several nodes: each node reads what the others wrote.
            Assert.True(rows.Select(r => r.Node).Distinct().Count() == Math.Min(nodes.Count, NotesPerTenant), $"{tenant.Identifier}'s rows were not written through every node: {reply.Body}");
        }
    }

    private static async Task<(NodeProcess Node, TenantResource Tenant, Reply Reply)> ReadAsync(NodeProcess node, TenantResource tenant)
        => (node, tenant, await NodeCluster.SendAsTenantAsync(node, tenant.Identifier, HttpMethod.Get, "/notes"));
}
