namespace TenantKit.MultiNode.Tests.Infrastructure;

/// <summary>
/// Three nodes (a, b, c) on a fresh database of the test PostgreSQL and one Redis of their own, shared by the test
/// classes of <see cref="ClusterCollection"/>. Tests create their own tenants; a test that stops Redis or a node puts
/// things back (and waits until every node is healthy again) before it ends.
/// </summary>
public sealed class ClusterFixture() : NodeClusterFixture("a", "b", "c")
{
    public TestPostgres Database { get; private set; } = null!;

    protected override async Task<string> StartDatabaseAsync()
    {
        Database = await TestPostgres.CreateDatabaseAsync("cluster");
        return Database.ConnectionString;
    }

    protected override async ValueTask DisposeDatabaseAsync()
    {
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
