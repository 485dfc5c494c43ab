namespace TenantKit.MultiNode.Tests.Infrastructure;

/// <summary>
/// What every multi-node fixture starts, in order: a catalog database (each fixture says which), a Redis of its own,
/// and the named nodes on them, healthy. Disposed in reverse order, also when starting failed half-way.
/// </summary>
public abstract class NodeClusterFixture(params string[] nodes) : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;

    public NodeCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            var catalog = await StartDatabaseAsync();
            Redis = await RedisServer.StartAsync();
            Cluster = await NodeCluster.StartAsync(catalog, Redis.Configuration, nodes);
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

        await DisposeDatabaseAsync();
    }

    /// <summary>Starts (or creates) the catalog's database; returns its connection string.</summary>
    protected abstract Task<string> StartDatabaseAsync();

    /// <summary>Releases what <see cref="StartDatabaseAsync"/> started, if it started anything.</summary>
    protected abstract ValueTask DisposeDatabaseAsync();
}
