using TenantKit.Tests.Support;

namespace TenantKit.Tests.Stores;

public class InMemoryTenantStoreTests
{
    [Fact]
    public async Task AddAsync_NewTenant_IsFoundByIdAndIdentifier()
    {
        var store = new InMemoryTenantStore();
        var acme = TestTenants.Create("acme");

        var added = await store.AddAsync(acme);

        Assert.Same(acme, added);
        Assert.Same(acme, await store.FindByIdAsync("id-acme"));
        Assert.Same(acme, await store.FindByIdentifierAsync("acme"));
        Assert.Equal(1, store.Count);
        Assert.False(store.IsReadOnly);
    }

    [Fact]
    public async Task FindAsync_Unknown_ReturnsNull()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme")]);

        Assert.Null(await store.FindByIdAsync("nope"));
        Assert.Null(await store.FindByIdentifierAsync("globex"));
    }

    [Fact]
    public async Task AddAsync_IdentifierTaken_ThrowsAlreadyExistsAndKeepsTheFirst()
    {
        var acme = TestTenants.Create("acme", id: "one");
        var store = new InMemoryTenantStore([acme]);

        var ex = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => store.AddAsync(TestTenants.Create("acme", id: "two")).AsTask());

        Assert.Equal("tenant-already-exists", ex.ErrorCode);
        Assert.Same(acme, await store.FindByIdentifierAsync("acme"));
        Assert.Null(await store.FindByIdAsync("two"));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task AddAsync_IdTaken_ThrowsAlreadyExists()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme", id: "one")]);

        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => store.AddAsync(TestTenants.Create("globex", id: "one")).AsTask());

        Assert.Null(await store.FindByIdentifierAsync("globex"));
    }

    [Fact]
    public void Constructor_DuplicateTenants_ThrowsAlreadyExists()
    {
        Assert.Throws<TenantAlreadyExistsException>(() => new InMemoryTenantStore([TestTenants.Create("acme", id: "1"), TestTenants.Create("acme", id: "2")]));
        Assert.Throws<TenantAlreadyExistsException>(() => new InMemoryTenantStore([TestTenants.Create("acme", id: "1"), TestTenants.Create("globex", id: "1")]));
    }

    [Fact]
    public async Task AddAsync_IdOfDeletedTenant_IsRefusedBecauseIdsAreNeverReused()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme", id: "one")]);
        await store.DeleteAsync("one", 1);

        var ex = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => store.AddAsync(TestTenants.Create("globex", id: "one")).AsTask());

        Assert.Contains("never reused", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task AddAsync_IdentifierOfDeletedTenant_CanBeTakenByANewId()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme", id: "one")]);
        await store.DeleteAsync("one", 1);

        await store.AddAsync(TestTenants.Create("acme", id: "two"));

        Assert.Equal("two", (await store.FindByIdentifierAsync("acme"))!.Id);
    }

    [Fact]
    public async Task UpdateAsync_CurrentVersion_ReplacesTheTenant()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme")]);
        var next = TestTenants.Create("acme", name: "Acme Corp", version: 2);

        var saved = await store.UpdateAsync(next, expectedVersion: 1);

        Assert.Same(next, saved);
        Assert.Same(next, await store.FindByIdAsync("id-acme"));
        Assert.Same(next, await store.FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task UpdateAsync_StaleVersion_ThrowsConcurrencyAndKeepsTheStoredTenant()
    {
        var v2 = TestTenants.Create("acme", name: "Second", version: 2);
        var store = new InMemoryTenantStore([v2]);

        var ex = await Assert.ThrowsAsync<TenantConcurrencyException>(
            () => store.UpdateAsync(TestTenants.Create("acme", name: "Stale", version: 2), expectedVersion: 1).AsTask());

        Assert.Equal("id-acme", ex.TenantId);
        Assert.Equal(1, ex.ExpectedVersion);
        Assert.Equal(2, ex.ActualVersion);
        Assert.Equal("tenant-version-conflict", ex.ErrorCode);
        Assert.Same(v2, await store.FindByIdAsync("id-acme"));
    }

    [Fact]
    public async Task UpdateAsync_VersionNotRaised_ThrowsArgumentException()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme")]);

        await Assert.ThrowsAsync<ArgumentException>(() => store.UpdateAsync(TestTenants.Create("acme", name: "Same"), expectedVersion: 1).AsTask());

        Assert.Equal("acme", (await store.FindByIdAsync("id-acme"))!.Name);
    }

    [Fact]
    public async Task UpdateAsync_UnknownId_ThrowsNotFound()
    {
        var store = new InMemoryTenantStore();

        var ex = await Assert.ThrowsAsync<TenantNotFoundException>(() => store.UpdateAsync(TestTenants.Create("acme", version: 2), 1).AsTask());

        Assert.Equal("id-acme", ex.Key);
    }

    [Fact]
    public async Task UpdateAsync_NewIdentifier_MovesTheTenantAndFreesTheOldIdentifier()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme", id: "one")]);

        await store.UpdateAsync(TestTenants.Create("acme-corp", id: "one", version: 2), 1);

        Assert.Null(await store.FindByIdentifierAsync("acme"));
        Assert.Equal("one", (await store.FindByIdentifierAsync("acme-corp"))!.Id);
        await store.AddAsync(TestTenants.Create("acme", id: "two"));
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public async Task UpdateAsync_IdentifierOfAnotherTenant_ThrowsAlreadyExistsAndChangesNothing()
    {
        var acme = TestTenants.Create("acme", id: "one");
        var globex = TestTenants.Create("globex", id: "two");
        var store = new InMemoryTenantStore([acme, globex]);

        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => store.UpdateAsync(TestTenants.Create("globex", id: "one", version: 2), 1).AsTask());

        Assert.Same(acme, await store.FindByIdentifierAsync("acme"));
        Assert.Same(globex, await store.FindByIdentifierAsync("globex"));
        Assert.Same(acme, await store.FindByIdAsync("one"));
    }

    [Fact]
    public async Task UpdateAsync_ManyWritersWithTheSameVersion_ExactlyOneWins()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme")]);
        using var start = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await store.UpdateAsync(TestTenants.Create("acme", name: "writer " + i, version: 2), expectedVersion: 1);
                return i;
            }
            catch (TenantConcurrencyException)
            {
                return -1;
            }
        })).ToArray();

        start.Set();
        var results = await Task.WhenAll(writers);

        var winner = Assert.Single(results, r => r >= 0);
        var stored = await store.FindByIdAsync("id-acme");
        Assert.Equal("writer " + winner, stored!.Name);
        Assert.Equal(2, stored.Version);
    }

    [Fact]
    public async Task DeleteAsync_CurrentVersion_RemovesTheTenant()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme"), TestTenants.Create("globex")]);

        await store.DeleteAsync("id-acme", 1);

        Assert.Null(await store.FindByIdAsync("id-acme"));
        Assert.Null(await store.FindByIdentifierAsync("acme"));
        Assert.Equal(1, store.Count);
        Assert.Equal(["globex"], (await store.ListAsync(new TenantQuery())).Items.Select(t => t.Identifier));
    }

    [Fact]
    public async Task DeleteAsync_StaleVersion_ThrowsConcurrencyAndKeepsTheTenant()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme", version: 4)]);

        var ex = await Assert.ThrowsAsync<TenantConcurrencyException>(() => store.DeleteAsync("id-acme", 3).AsTask());

        Assert.Equal(4, ex.ActualVersion);
        Assert.NotNull(await store.FindByIdAsync("id-acme"));
    }

    [Fact]
    public async Task DeleteAsync_UnknownOrAlreadyDeleted_ThrowsNotFound()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("acme")]);
        await store.DeleteAsync("id-acme", 1);

        await Assert.ThrowsAsync<TenantNotFoundException>(() => store.DeleteAsync("id-acme", 1).AsTask());
        await Assert.ThrowsAsync<TenantNotFoundException>(() => store.DeleteAsync("never", 1).AsTask());
    }

    [Fact]
    public async Task ListAsync_Pages_AreOrderedByIdentifierWithTheTotalCount()
    {
        var identifiers = Enumerable.Range(0, 25).Select(i => $"t{i:00}").ToArray();
        var store = new InMemoryTenantStore(identifiers.Reverse().Select(i => TestTenants.Create(i)));

        var first = await store.ListAsync(new TenantQuery { Take = 10 });
        var second = await store.ListAsync(new TenantQuery { Skip = 10, Take = 10 });
        var last = await store.ListAsync(new TenantQuery { Skip = 20, Take = 10 });
        var beyond = await store.ListAsync(new TenantQuery { Skip = 30, Take = 10 });

        Assert.Equal(identifiers[..10], first.Items.Select(t => t.Identifier));
        Assert.Equal(identifiers[10..20], second.Items.Select(t => t.Identifier));
        Assert.Equal(identifiers[20..], last.Items.Select(t => t.Identifier));
        Assert.Empty(beyond.Items);
        Assert.All(new[] { first, second, last, beyond }, page => Assert.Equal(25, page.TotalCount));
    }

    [Fact]
    public async Task ListAsync_Filters_CountOnlyMatchingTenants()
    {
        var store = new InMemoryTenantStore(SampleTenants());

        var suspended = await store.ListAsync(new TenantQuery { State = TenantState.Suspended });
        var inEurope = await store.ListAsync(new TenantQuery { Region = "eu" });
        var search = await store.ListAsync(new TenantQuery { Search = "GLOBEX" });
        var byName = await store.ListAsync(new TenantQuery { Search = "quality" });
        var combined = await store.ListAsync(new TenantQuery { Owner = "acme-inc", State = TenantState.Active, Take = 1 });

        Assert.Equal(["acme-dev", "initech"], suspended.Items.Select(t => t.Identifier));
        Assert.Equal(["acme-prod", "acme-qa", "globex"], inEurope.Items.Select(t => t.Identifier));
        Assert.Equal(["globex", "globex-qa"], search.Items.Select(t => t.Identifier));
        Assert.Equal(["acme-qa"], byName.Items.Select(t => t.Identifier));
        Assert.Equal(["acme-prod"], combined.Items.Select(t => t.Identifier));
        Assert.Equal(2, combined.TotalCount);
    }

    [Fact]
    public async Task ListAsync_ByOwner_ReturnsEveryTenantOfOneCustomer()
    {
        var store = new InMemoryTenantStore(SampleTenants());

        var page = await store.ListAsync(new TenantQuery { Owner = "acme-inc" });

        Assert.Equal(["acme-dev", "acme-prod", "acme-qa"], page.Items.Select(t => t.Identifier));
        Assert.Equal(3, page.TotalCount);
        Assert.Empty((await store.ListAsync(new TenantQuery { Owner = "nobody" })).Items);
    }

    [Fact]
    public async Task ListAsync_AfterRename_KeepsIdentifierOrder()
    {
        var store = new InMemoryTenantStore([TestTenants.Create("b"), TestTenants.Create("c")]);

        await store.UpdateAsync(TestTenants.Create("z", id: "id-b", version: 2), 1);

        Assert.Equal(["c", "z"], (await store.ListAsync(new TenantQuery())).Items.Select(t => t.Identifier));
    }

    internal static TenantInfo[] SampleTenants() =>
    [
        TestTenants.Create("acme-prod", owner: "acme-inc", region: "eu", name: "Acme Production"),
        TestTenants.Create("acme-qa", owner: "acme-inc", region: "eu", name: "Acme Quality Assurance"),
        TestTenants.Create("acme-dev", owner: "acme-inc", region: "us", state: TenantState.Suspended, name: "Acme Development"),
        TestTenants.Create("globex", owner: "globex-corp", region: "eu", name: "Globex"),
        TestTenants.Create("globex-qa", owner: "globex-corp", name: "Globex QA"),
        TestTenants.Create("initech", state: TenantState.Suspended, name: "Initech"),
    ];
}
