using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Catalog;

/// <summary>The EF Core store's change log (<see cref="ITenantChangeLog"/>) against a real database.</summary>
public abstract class EfCoreChangeLogTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private static readonly DateTimeOffset Created = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private ServiceProvider Node(string connectionString, Action<EfCoreTenantStoreOptions>? store = null, IInterceptor? interceptor = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddTenantKit(b => b.WithEfCoreStore(
            o =>
            {
                database.Configure(o, connectionString);
                if (interceptor is not null)
                {
                    o.AddInterceptors(interceptor);
                }
            },
            store));
        return services.BuildServiceProvider();
    }

    private static ITenantStore Store(ServiceProvider node) => node.GetRequiredService<ITenantStore>();

    private static ITenantChangeLog Log(ServiceProvider node) => Assert.IsAssignableFrom<ITenantChangeLog>(node.GetRequiredService<ITenantStore>());

    private static TenantInfo Tenant(string id, string identifier, long version = 1, TenantState state = TenantState.Active, string name = "Acme")
        => new(id, identifier, name, state, null, null, null, version, Created, Created.AddMinutes(version));

    [Fact]
    public async Task Writes_AppendOneEntryEach_InOrder_WithKindIdentifiersAndTenantVersion()
    {
        await using var node = Node(database.NewDatabase("log"));
        var store = Store(node);
        Assert.Equal(0, await Log(node).GetVersionAsync());

        await store.AddAsync(Tenant("t1", "acme"));
        await store.UpdateAsync(Tenant("t1", "acme-corp", version: 2), expectedVersion: 1);
        await store.UpdateAsync(Tenant("t1", "acme-corp", version: 3, state: TenantState.Suspended), expectedVersion: 2);
        await store.UpdateAsync(Tenant("t1", "acme-corp", version: 4), expectedVersion: 3);
        await Log(node).AppendReloadAsync(Tenant("t1", "acme-corp", version: 4));
        await store.DeleteAsync("t1", expectedVersion: 4);

        var page = await Log(node).ReadChangesAsync(0, 100);

        Assert.False(page.IsTruncated);
        Assert.Equal(6, page.Version);
        Assert.Equal(6, await Log(node).GetVersionAsync());
        Assert.Equal(
            Rows([
                new TenantChangeLogEntry(1, new TenantChangeNotice(TenantChangeKind.Created, "t1", "acme", null, 1)),
                new TenantChangeLogEntry(2, new TenantChangeNotice(TenantChangeKind.Updated, "t1", "acme-corp", "acme", 2)),
                new TenantChangeLogEntry(3, new TenantChangeNotice(TenantChangeKind.Suspended, "t1", "acme-corp", null, 3)),
                new TenantChangeLogEntry(4, new TenantChangeNotice(TenantChangeKind.Resumed, "t1", "acme-corp", null, 4)),
                new TenantChangeLogEntry(5, new TenantChangeNotice(TenantChangeKind.ReloadRequested, "t1", "acme-corp", null, 4)),
                new TenantChangeLogEntry(6, new TenantChangeNotice(TenantChangeKind.Deleted, "t1", "acme-corp", null, 4)),
            ]),
            Rows(page.Changes));
    }

    [Fact]
    public async Task CatalogFromBeforeTheChangeLog_GetsTheMissingTables_KeepsItsTenants_AndLogsNewWrites()
    {
        // A catalog created by a version without the change log: only the tenant tables exist.
        var connectionString = database.NewDatabase("upgrade");
        await using (var first = Node(connectionString))
        {
            await Store(first).AddAsync(Tenant("t1", "acme"));
        }

        await using (var connection = database.CreateConnection(connectionString))
        {
            await connection.OpenAsync();
            foreach (var table in new[] { "tenantkit_changes", "tenantkit_catalog_version" })
            {
                await using var drop = connection.CreateCommand();
                drop.CommandText = $"DROP TABLE \"{table}\"";
                await drop.ExecuteNonQueryAsync();
            }
        }

        await using var node = Node(connectionString);
        var store = Store(node);

        Assert.Equal("acme", (await store.FindByIdAsync("t1"))?.Identifier);
        Assert.Equal(0, await Log(node).GetVersionAsync());
        await store.AddAsync(Tenant("t2", "globex"));
        var page = await Log(node).ReadChangesAsync(0, 10);
        Assert.Equal(Rows([new TenantChangeLogEntry(1, new TenantChangeNotice(TenantChangeKind.Created, "t2", "globex", null, 1))]), Rows(page.Changes));
    }

    [Fact]
    public async Task FailedWrites_AppendNothing_AndTakeNoVersion()
    {
        await using var node = Node(database.NewDatabase("log"));
        var store = Store(node);
        await store.AddAsync(Tenant("t1", "acme"));
        await store.AddAsync(Tenant("t2", "globex"));

        await Assert.ThrowsAsync<TenantConcurrencyException>(() => store.UpdateAsync(Tenant("t1", "acme", version: 3), expectedVersion: 2).AsTask());
        await Assert.ThrowsAsync<TenantNotFoundException>(() => store.UpdateAsync(Tenant("nobody", "nobody", version: 2), expectedVersion: 1).AsTask());
        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => store.UpdateAsync(Tenant("t1", "globex", version: 2), expectedVersion: 1).AsTask());
        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => store.AddAsync(Tenant("t3", "acme")).AsTask());
        await Assert.ThrowsAsync<TenantConcurrencyException>(() => store.DeleteAsync("t1", expectedVersion: 7).AsTask());
        await store.UpdateAsync(Tenant("t1", "acme", version: 2, name: "Renamed"), expectedVersion: 1);

        var page = await Log(node).ReadChangesAsync(0, 100);

        Assert.Equal([1L, 2, 3], page.Changes.Select(c => c.Version));
        Assert.Equal(TenantChangeKind.Updated, page.Changes[^1].Change.Kind);
        Assert.Equal(3, await Log(node).GetVersionAsync());
    }

    [Fact]
    public async Task ReadChanges_ReturnsAtMostMaxCount_AndTheVersionToGoOnFrom()
    {
        await using var node = Node(database.NewDatabase("log"));
        for (var i = 0; i < 5; i++)
        {
            await Store(node).AddAsync(Tenant($"t{i}", $"tenant-{i}"));
        }

        var first = await Log(node).ReadChangesAsync(0, 2);
        var second = await Log(node).ReadChangesAsync(first.Version, 2);
        var third = await Log(node).ReadChangesAsync(second.Version, 2);
        var none = await Log(node).ReadChangesAsync(third.Version, 2);

        Assert.Equal([1L, 2], first.Changes.Select(c => c.Version));
        Assert.Equal(2, first.Version);
        Assert.Equal([3L, 4], second.Changes.Select(c => c.Version));
        Assert.Equal(4, second.Version);
        Assert.Equal([5L], third.Changes.Select(c => c.Version));
        Assert.Equal(5, third.Version);
        Assert.Equal((0, 5L, false), (none.Changes.Count, none.Version, none.IsTruncated));
    }

    [Fact]
    public async Task ReadChanges_FromBeforePrunedEntries_ReportsTruncation_AndLaterReadsAreWhole()
    {
        var connectionString = database.NewDatabase("log");
        await using var node = Node(connectionString, o => o.ChangeLogSize = 10);
        await Store(node).AddAsync(Tenant("t1", "acme"));
        for (var version = 1L; version < 40; version++)
        {
            await Store(node).UpdateAsync(Tenant("t1", "acme", version: version + 1, name: $"v{version + 1}"), version);
        }

        var fromStart = await Log(node).ReadChangesAsync(0, 100);
        var recent = await Log(node).ReadChangesAsync(35, 100);

        Assert.Equal((true, 40L, 0), (fromStart.IsTruncated, fromStart.Version, fromStart.Changes.Count));
        Assert.False(recent.IsTruncated);
        Assert.Equal([36L, 37, 38, 39, 40], recent.Changes.Select(c => c.Version));
        Assert.InRange(await database.ScalarAsync(connectionString, "SELECT COUNT(*) FROM tenantkit_changes"), 10, 20);
    }

    [Fact]
    public async Task ReadChanges_FromAheadOfTheLog_ReportsTruncation()
    {
        // The database was replaced or restored from a backup: the reader's version means nothing any more.
        await using var node = Node(database.NewDatabase("log"));
        await Store(node).AddAsync(Tenant("t1", "acme"));

        var page = await Log(node).ReadChangesAsync(50, 100);

        Assert.Equal((true, 1L), (page.IsTruncated, page.Version));
    }

    [Fact]
    public async Task ConcurrentWriters_OnSeveralNodes_AReaderGoingOnFromTheLastVersionSeenMissesNoChange()
    {
        // Commits are delayed at random, so a change numbered earlier often commits later than one numbered after it
        // if numbering allowed that: a reader that has seen version n and reads "after n" would then miss it.
        var connectionString = database.NewDatabase("log");
        const int Writers = 4;
        const int UpdatesEach = 15;
        var nodes = Enumerable.Range(0, Writers).Select(_ => Node(connectionString, interceptor: new SlowCommits())).ToArray();
        await using var reader = Node(connectionString);
        try
        {
            for (var w = 0; w < Writers; w++)
            {
                await Store(nodes[w]).AddAsync(Tenant($"t{w}", $"tenant-{w}"));
            }

            var seen = new ConcurrentQueue<TenantChangeLogEntry>();
            using var done = new CancellationTokenSource();
            var last = await Log(reader).GetVersionAsync();
            Assert.Equal(Writers, last);
            var readLoop = Task.Run(async () =>
            {
                while (true)
                {
                    var finished = done.IsCancellationRequested;
                    var page = await Log(reader).ReadChangesAsync(last, 7);
                    Assert.False(page.IsTruncated);
                    foreach (var entry in page.Changes)
                    {
                        seen.Enqueue(entry);
                    }

                    last = page.Version;
                    if (finished && page.Changes.Count == 0)
                    {
                        return;
                    }
                }
            });

            var writes = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var version = 1L; version <= UpdatesEach; version++)
                {
                    await Store(nodes[w]).UpdateAsync(Tenant($"t{w}", $"tenant-{w}", version: version + 1, name: $"v{version + 1}"), version);
                }
            })).ToArray();
            await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));
            await done.CancelAsync();
            await readLoop.WaitAsync(TimeSpan.FromSeconds(10));

            var versions = seen.Select(e => e.Version).ToArray();
            Assert.Equal(Enumerable.Range(Writers + 1, Writers * UpdatesEach).Select(v => (long)v), versions);
            for (var w = 0; w < Writers; w++)
            {
                var tenantVersions = seen.Where(e => e.Change.TenantId == $"t{w}").Select(e => e.Change.TenantVersion);
                Assert.Equal(Enumerable.Range(2, UpdatesEach).Select(v => (long)v), tenantVersions);
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TwoNodes_OneSuspends_TheOtherCatchesUpByPolling_AndStopsServingTheTenant()
    {
        var connectionString = database.NewDatabase("log");
        var poll = TimeSpan.FromSeconds(30);
        // Node B polls on a fake clock: its poll runs when the test moves the clock, not after some real time.
        var time = new FakeTimeProvider(Created);
        await using var a = Host(connectionString, poll);
        await using var b = Host(connectionString, poll, time);
        await StartAsync(a);
        await StartAsync(b);
        var accessor = a.GetRequiredService<ITenantContextAccessor>();
        TenantInfo created;
        using (accessor.BeginHostScope())
        {
            created = await a.GetRequiredService<ITenantAdministration>().CreateAsync(new TenantDraft("acme") { Name = "Acme" });
        }

        var cached = await b.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme");
        Assert.True(cached!.IsActive);
        (await b.GetRequiredService<ITenantRuntime>().AcquireAsync(cached)).Dispose();

        using (accessor.BeginHostScope())
        {
            await a.GetRequiredService<ITenantAdministration>().SuspendAsync(created.Id);
        }

        // Before B's poll is due, B knows nothing of it: the change log is its only way to learn.
        Assert.True((await b.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!.IsActive);
        time.Advance(poll);

        await Eventually(async () => (await b.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))?.State == TenantState.Suspended
            && b.GetRequiredService<ITenantRuntime>().GetStatus(created.Id)?.IsResident != true);
    }

    private ServiceProvider Host(string connectionString, TimeSpan poll, TimeProvider? time = null)
    {
        var services = new ServiceCollection().AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddTenantKit(b => b
            .WithEfCoreStore(o => database.Configure(o, connectionString))
            .ConfigureCatalog(o => o.ChangePollInterval = poll));
        return services.BuildServiceProvider();
    }

    private static async Task StartAsync(ServiceProvider node)
    {
        foreach (var hosted in node.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    /// <summary>Waits (at most 5 s) for the poll the fake clock started, which runs on the thread pool, to show its effect.</summary>
    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (5 * TimeProvider.System.TimestampFrequency);
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, "The condition did not hold within 5 s.");
            await Task.Delay(20);
        }
    }

    /// <summary>Delays about half of the commits by a few milliseconds.</summary>
    private sealed class SlowCommits : DbTransactionInterceptor
    {
        public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            if (Random.Shared.Next(2) == 0)
            {
                await Task.Delay(Random.Shared.Next(1, 6), cancellationToken);
            }

            return result;
        }
    }

    /// <summary>Entries as comparable values (entries and notices are classes, compared by what they say).</summary>
    private static List<(long, TenantChangeKind, string, string, string?, long)> Rows(IEnumerable<TenantChangeLogEntry> entries)
        => [.. entries.Select(e => (e.Version, e.Change.Kind, e.Change.TenantId, e.Change.Identifier, e.Change.PreviousIdentifier, e.Change.TenantVersion))];
}
