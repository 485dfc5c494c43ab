using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Catalog;

/// <summary>The EF Core tenant store against a real database; two service providers play two application nodes.</summary>
public abstract class EfCoreTenantStoreTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    private static readonly DateTimeOffset Created = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private ServiceProvider Node(string connectionString, Action<EfCoreTenantStoreOptions>? store = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddTenantKit(b => b.WithEfCoreStore(o => database.Configure(o, connectionString), store));
        return services.BuildServiceProvider();
    }

    private static ITenantStore Store(ServiceProvider node) => node.GetRequiredService<ITenantStore>();

    private static TenantInfo Tenant(string id, string identifier, long version = 1, string name = "Acme", TenantState state = TenantState.Active, string? owner = null, string? region = null, Dictionary<string, string>? properties = null)
        => new(id, identifier, name, state, region, owner, properties, version, Created, Created.AddMinutes(version));

    [Fact]
    public async Task Add_ThenFind_RoundTripsEveryField()
    {
        await using var node = Node(database.NewDatabase("catalog"));
        var tenant = Tenant("t1", "acme", owner: "customer-7", region: "eu-west", properties: new() { ["Plan"] = "gold", [TenantDataOptions.IsolationProperty] = "SchemaPerTenant" });

        await Store(node).AddAsync(tenant);
        var byIdentifier = await Store(node).FindByIdentifierAsync("acme");
        var byId = await Store(node).FindByIdAsync("t1");

        foreach (var found in new[] { byIdentifier, byId })
        {
            Assert.NotNull(found);
            Assert.Equal(("t1", "acme", "Acme", TenantState.Active, "eu-west", "customer-7", 1L), (found.Id, found.Identifier, found.Name, found.State, found.Region, found.Owner, found.Version));
            Assert.Equal(Created, found.CreatedAt);
            Assert.Equal(Created.AddMinutes(1), found.UpdatedAt);
            Assert.Equal("gold", found.GetProperty("plan"));
            Assert.Equal("SchemaPerTenant", found.GetProperty(TenantDataOptions.IsolationProperty));
        }

        Assert.Null(await Store(node).FindByIdentifierAsync("nobody"));
        Assert.Null(await Store(node).FindByIdAsync("nobody"));
    }

    [Fact]
    public async Task Add_WithATakenIdentifierOrId_OrTheIdOfADeletedTenant_ThrowsAlreadyExists()
    {
        await using var node = Node(database.NewDatabase("catalog"));
        await Store(node).AddAsync(Tenant("t1", "acme"));
        await Store(node).AddAsync(Tenant("t2", "globex"));
        await Store(node).DeleteAsync("t2", 1);

        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => Store(node).AddAsync(Tenant("t3", "acme")).AsTask());
        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => Store(node).AddAsync(Tenant("t1", "other")).AsTask());
        var reused = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => Store(node).AddAsync(Tenant("t2", "initech")).AsTask());
        Assert.Contains("never reused", reused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_WithTheCurrentVersion_StoresTheNewSnapshot()
    {
        await using var node = Node(database.NewDatabase("catalog"));
        await Store(node).AddAsync(Tenant("t1", "acme"));

        await Store(node).UpdateAsync(Tenant("t1", "acme-corp", version: 2, name: "Acme Corp", state: TenantState.Suspended, properties: new() { ["Plan"] = "silver" }), expectedVersion: 1);
        var found = await Store(node).FindByIdAsync("t1");

        Assert.Equal(("acme-corp", "Acme Corp", TenantState.Suspended, 2L, "silver"), (found!.Identifier, found.Name, found.State, found.Version, found.GetProperty("Plan")));
        Assert.Null(await Store(node).FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task UpdateAndDelete_WithAStaleVersion_AreRejectedAndChangeNothing()
    {
        await using var node = Node(database.NewDatabase("catalog"));
        await Store(node).AddAsync(Tenant("t1", "acme"));
        await Store(node).UpdateAsync(Tenant("t1", "acme", version: 2, name: "Second"), expectedVersion: 1);

        var update = await Assert.ThrowsAsync<TenantConcurrencyException>(() => Store(node).UpdateAsync(Tenant("t1", "acme", version: 2, name: "Stale"), expectedVersion: 1).AsTask());
        var delete = await Assert.ThrowsAsync<TenantConcurrencyException>(() => Store(node).DeleteAsync("t1", 1).AsTask());

        Assert.Equal((1L, 2L), (update.ExpectedVersion, update.ActualVersion));
        Assert.Equal((1L, 2L), (delete.ExpectedVersion, delete.ActualVersion));
        Assert.Equal("Second", (await Store(node).FindByIdAsync("t1"))!.Name);
    }

    [Fact]
    public async Task UpdateAndDelete_OfAMissingTenant_ThrowNotFound()
    {
        await using var node = Node(database.NewDatabase("catalog"));

        await Assert.ThrowsAsync<TenantNotFoundException>(() => Store(node).UpdateAsync(Tenant("t9", "ghost", version: 2), 1).AsTask());
        await Assert.ThrowsAsync<TenantNotFoundException>(() => Store(node).DeleteAsync("t9", 1).AsTask());
    }

    [Fact]
    public async Task Update_ToAnIdentifierAnotherTenantHas_ThrowsAlreadyExistsAndChangesNothing()
    {
        await using var node = Node(database.NewDatabase("catalog"));
        await Store(node).AddAsync(Tenant("t1", "acme"));
        await Store(node).AddAsync(Tenant("t2", "globex"));

        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => Store(node).UpdateAsync(Tenant("t2", "acme", version: 2), 1).AsTask());

        Assert.Equal(("globex", 1L), ((await Store(node).FindByIdAsync("t2"))!.Identifier, (await Store(node).FindByIdAsync("t2"))!.Version));
    }

    [Fact]
    public async Task Delete_WithTheCurrentVersion_RemovesTheTenant()
    {
        await using var node = Node(database.NewDatabase("catalog"));
        await Store(node).AddAsync(Tenant("t1", "acme"));

        await Store(node).DeleteAsync("t1", 1);

        Assert.Null(await Store(node).FindByIdAsync("t1"));
        Assert.Null(await Store(node).FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task List_FiltersPagesAndOrdersByIdentifierOrdinally()
    {
        await using var node = Node(database.NewDatabase("catalog"));
        string[] identifiers = ["zeta", "a-b", "ab", "a0", "beta", "Alpha-Team", "gamma"];
        for (var i = 0; i < identifiers.Length; i++)
        {
            await Store(node).AddAsync(Tenant($"t{i}", identifiers[i], name: i == 4 ? "The BIG Shop" : $"Shop {i}", state: i % 3 == 0 ? TenantState.Suspended : TenantState.Active, owner: i < 4 ? "o1" : "o2", region: i % 2 == 0 ? "eu" : "us"));
        }

        var all = await Store(node).ListAsync(new TenantQuery { Take = 1000 });
        var page = await Store(node).ListAsync(new TenantQuery { Skip = 2, Take = 2 });
        var active = await Store(node).ListAsync(new TenantQuery { State = TenantState.Active });
        var owner = await Store(node).ListAsync(new TenantQuery { Owner = "o2", Region = "EU" });
        var search = await Store(node).ListAsync(new TenantQuery { Search = "big" });
        var searchIdentifier = await Store(node).ListAsync(new TenantQuery { Search = "A-" });

        Assert.Equal(["a-b", "a0", "ab", "alpha-team", "beta", "gamma", "zeta"], all.Items.Select(t => t.Identifier));
        Assert.Equal(7, all.TotalCount);
        Assert.Equal(["ab", "alpha-team"], page.Items.Select(t => t.Identifier));
        Assert.Equal(7, page.TotalCount);
        Assert.Equal(["a-b", "ab", "alpha-team", "beta"], active.Items.Select(t => t.Identifier));
        Assert.Equal(["beta", "gamma"], owner.Items.Select(t => t.Identifier));
        Assert.Equal(["beta"], search.Items.Select(t => t.Identifier));
        Assert.Equal(["a-b", "alpha-team"], searchIdentifier.Items.Select(t => t.Identifier));

        // The in-memory store is the reference: every query answers the same.
        var everyone = (await Store(node).ListAsync(new TenantQuery { Take = 1000 })).Items;
        var drafts = everyone.Select(t => new TenantDraft(t.Identifier) { Id = t.Id, Name = t.Name, Owner = t.Owner, Region = t.Region, State = t.State, Properties = t.Properties }).ToArray();
        await using var referenceServices = new ServiceCollection().AddLogging().AddTenantKit(tenantKit => tenantKit.WithInMemoryStore(drafts)).Services.BuildServiceProvider();
        var reference = referenceServices.GetRequiredService<ITenantStore>();
        foreach (var query in new[] { new TenantQuery { Skip = 1, Take = 3, State = TenantState.Active }, new TenantQuery { Owner = "o1" }, new TenantQuery { Region = "us", Search = "shop" }, new TenantQuery { Search = "A" }, new TenantQuery { Skip = 6 } })
        {
            var expected = await reference.ListAsync(query);
            var actual = await Store(node).ListAsync(query);
            Assert.Equal(expected.Items.Select(t => t.Id), actual.Items.Select(t => t.Id));
            Assert.Equal(expected.TotalCount, actual.TotalCount);
        }
    }

    [Fact]
    public async Task ConcurrentUpdates_FromTwoNodesWithTheSameVersion_OneWinsAndTheRestAreRejected()
    {
        var connectionString = database.NewDatabase("catalog");
        await using var first = Node(connectionString);
        await using var second = Node(connectionString);
        await Store(first).AddAsync(Tenant("t1", "acme"));
        var stores = new[] { Store(first), Store(second) };

        for (var version = 1L; version <= 5; version++)
        {
            var expected = version;
            var racers = Enumerable.Range(0, 8).Select(async i =>
            {
                try
                {
                    await stores[i % 2].UpdateAsync(Tenant("t1", "acme", version: expected + 1, name: $"writer {i}"), expected);
                    return true;
                }
                catch (TenantConcurrencyException conflict) when (conflict.ExpectedVersion == expected && conflict.ActualVersion == expected + 1)
                {
                    return false;
                }
            });

            var results = await Task.WhenAll(racers);

            Assert.Equal(1, results.Count(won => won));
            Assert.Equal(expected + 1, (await stores[0].FindByIdAsync("t1"))!.Version);
        }
    }

    [Fact]
    public async Task Administration_OverTheEfCoreStore_CreatesSuspendsAndResolvesTenants()
    {
        await using var node = Node(database.NewDatabase("catalog"));
        var accessor = node.GetRequiredService<ITenantContextAccessor>();
        var administration = node.GetRequiredService<ITenantAdministration>();

        TenantInfo created;
        using (accessor.BeginHostScope())
        {
            created = await administration.CreateAsync(new TenantDraft("initech") { Name = "Initech" });
            await administration.SuspendAsync(created.Id);
        }

        var resolved = await node.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("initech");
        Assert.Equal((created.Id, TenantState.Suspended, 2L), (resolved!.Id, resolved.State, resolved.Version));
    }

    [Fact]
    public async Task Store_WhenTheDatabaseCannotBeReached_ThrowsInsteadOfReportingNotFound()
    {
        await using var node = Node(database.UnreachableDatabase());
        var accessor = node.GetRequiredService<ITenantContextAccessor>();

        await Assert.ThrowsAnyAsync<Exception>(() => Store(node).FindByIdentifierAsync("acme").AsTask());
        using (accessor.BeginHostScope())
        {
            await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => node.GetRequiredService<ITenantAdministration>().GetAsync("t1").AsTask());
        }
    }

    [Fact]
    public async Task Store_InASchemaOfItsOwn_KeepsItsTablesThere()
    {
        if (!database.SupportsSchemas)
        {
            Assert.Equal("sqlite", database.Provider);
            return;
        }

        var connectionString = database.NewDatabase("catalog");
        await using var node = Node(connectionString, o => o.Schema = "catalog");
        await Store(node).AddAsync(Tenant("t1", "acme"));

        Assert.Equal(1, await database.ScalarAsync(connectionString, "SELECT COUNT(*) FROM catalog.tenantkit_tenants"));
    }
}

public sealed class SqliteEfCoreTenantStoreTests(SqliteFixture database) : EfCoreTenantStoreTests<SqliteFixture>(database);

public sealed class PostgresEfCoreTenantStoreTests(PostgresFixture database) : EfCoreTenantStoreTests<PostgresFixture>(database);
