using System.Text.Json;

namespace TenantKit.Yarp.Tests.Cluster;

/// <summary>
/// Three TenantKit.MultiNode.Node processes (a, b, c) on a fresh database of the test PostgreSQL
/// (<c>TENANTKIT_TEST_POSTGRES</c>) and a Redis of their own, as in the multi-node tests.
/// </summary>
public sealed class AffinityClusterFixture() : NodeClusterFixture("a", "b", "c")
{
    private TestPostgres? _database;

    /// <summary>Creates tenants <c>{prefix}0</c> ... through the nodes' administration endpoints, eight at a time.</summary>
    public async Task<string[]> CreateTenantsAsync(string prefix, int count)
    {
        var identifiers = Enumerable.Range(0, count).Select(i => $"{prefix}{i}").ToArray();
        await Parallel.ForEachAsync(identifiers, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (identifier, _) =>
        {
            var nodes = Cluster.Nodes;
            await Cluster.CreateTenantAsync(nodes[Math.Abs(identifier.GetHashCode(StringComparison.Ordinal)) % nodes.Count], identifier);
        });
        return identifiers;
    }

    /// <summary>Each node's runtime: resident tenants whose identifier starts with <paramref name="prefix"/>, builds, memory.</summary>
    public async Task<Dictionary<string, NodeRuntime>> RuntimeAsync(string prefix)
    {
        var readings = await Task.WhenAll(Cluster.Nodes.Where(n => !n.HasExited).Select(async node =>
        {
            var body = await node.Client.GetStringAsync($"/runtime?prefix={prefix}");
            return JsonSerializer.Deserialize<NodeRuntime>(body, JsonSerializerOptions.Web)!;
        }));
        return readings.ToDictionary(r => r.Node);
    }

    protected override async Task<string> StartDatabaseAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("affinity");
        return _database.ConnectionString;
    }

    protected override async ValueTask DisposeDatabaseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>A node's <c>/runtime</c> answer.</summary>
public sealed record NodeRuntime(string Node, int Resident, int ResidentTotal, long Builds, long Unloads, long ManagedHeapBytes, long WorkingSetBytes);
