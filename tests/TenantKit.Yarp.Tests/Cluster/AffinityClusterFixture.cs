using System.Text.Json;
using Npgsql;

namespace TenantKit.Yarp.Tests.Cluster;

/// <summary>
/// Three TenantKit.MultiNode.Node processes (a, b, c) on a fresh database of the test PostgreSQL
/// (<c>TENANTKIT_TEST_POSTGRES</c>) and a Redis of their own, as in the multi-node tests.
/// </summary>
public sealed class AffinityClusterFixture() : NodeClusterFixture("a", "b", "c")
{
    private TestPostgres? _database;

    /// <summary>
    /// Adds tenants <c>{prefix}0</c> ... <c>{prefix}{count - 1}</c> (active, no properties) to the catalog in one SQL
    /// statement: ten thousand one at a time through the administration endpoints would take most of the test's time,
    /// and no node has asked for them yet, so none has anything to invalidate (a node looks a tenant up on its first
    /// request). The administration path is tested in the multi-node tests.
    /// </summary>
    public async Task<string[]> CreateTenantsAsync(string prefix, int count)
    {
        await using (var connection = new NpgsqlConnection(Cluster.Catalog))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO tenantkit_tenants (id, identifier, name, state, region, owner, properties, version, created_at, updated_at)
                SELECT 'id-' || @prefix || g, @prefix || g, @prefix || g, 0, NULL, NULL, '{}', 1, now(), now()
                FROM generate_series(0, @count - 1) AS g
                """;
            insert.Parameters.AddWithValue("prefix", prefix);
            insert.Parameters.AddWithValue("count", count);
            Assert.Equal(count, await insert.ExecuteNonQueryAsync());
        }

        return [.. Enumerable.Range(0, count).Select(i => $"{prefix}{i}")];
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
