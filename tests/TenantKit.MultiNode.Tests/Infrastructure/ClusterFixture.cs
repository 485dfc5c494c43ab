namespace TenantKit.MultiNode.Tests.Infrastructure;

/// <summary>
/// Three nodes (a, b, c) on a fresh database of the test PostgreSQL and one Redis of their own, shared by the test
/// classes of <see cref="ClusterCollection"/>. Tests create their own tenants; a test that stops Redis or a node puts
/// things back (and waits until every node is healthy again) before it ends.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestPostgres Database { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public NodeCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            Database = await TestPostgres.CreateDatabaseAsync("cluster");
            Redis = await RedisServer.StartAsync();
            Cluster = await NodeCluster.StartAsync(Database.ConnectionString, Redis.Configuration, "a", "b", "c");
            await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            // xunit does not dispose a fixture whose initialization failed: release what was started.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "three nodes, one catalog, one Redis";
}
