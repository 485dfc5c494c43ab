using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Catalog;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Catalog;

public sealed class CachingTenantCatalogTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(TestTenants.Epoch);
    private readonly ControllableTenantStore _store = new(TestTenants.Create("acme"), TestTenants.Create("globex"));
    private ServiceProvider _services = null!;

    private ITenantCatalog Catalog => _services.GetRequiredService<ITenantCatalog>();

    /// <summary>The catalog's own members that are not on <see cref="ITenantCatalog"/> (reads by id, eviction).</summary>
    private CachingTenantCatalog Caching => (CachingTenantCatalog)Catalog;

    private CachingTenantCatalog Cache => _services.GetRequiredService<CachingTenantCatalog>();

    private ITenantChangeFeed Feed => _services.GetRequiredService<ITenantChangeFeed>();

    public Task InitializeAsync()
    {
        Use();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task FindByIdentifier_ThousandConcurrentMissesForOneIdentifier_ReachTheStoreOnce()
    {
        _store.Block();
        var lookups = new Task<TenantInfo?>[1000];

        Parallel.For(0, lookups.Length, i => lookups[i] = Catalog.FindByIdentifierAsync(i % 2 == 0 ? "acme" : "ACME").AsTask());
        await _store.LookupStarted.WaitAsync(Patience);
        Assert.All(lookups, l => Assert.False(l.IsCompleted));
        _store.Release();
        var results = await Task.WhenAll(lookups).WaitAsync(Patience);

        Assert.Equal(1, _store.IdentifierLookups);
        var acme = await _store.Inner.FindByIdentifierAsync("acme");
        Assert.All(results, r => Assert.Same(acme, r));
    }

    [Fact]
    public async Task FindByIdentifier_ConcurrentMissesForSeveralIdentifiers_OneStoreCallEach()
    {
        _store.Block();
        var identifiers = new[] { "acme", "globex", "ghost-1", "ghost-2" };
        var lookups = new Task<TenantInfo?>[400];

        Parallel.For(0, lookups.Length, i => lookups[i] = Catalog.FindByIdentifierAsync(identifiers[i % identifiers.Length]).AsTask());
        _store.Release();
        var results = await Task.WhenAll(lookups).WaitAsync(Patience);

        Assert.Equal(identifiers.Length, _store.IdentifierLookups);
        Assert.Equal(200, results.Count(r => r is null));
        Assert.Equal(100, results.Count(r => r?.Identifier == "globex"));
    }

    [Fact]
    public async Task FindByIdentifier_CachedTenant_IsServedWithoutTheStoreInAnyLetterCase()
    {
        var first = await Catalog.FindByIdentifierAsync("acme");

        var again = await Catalog.FindByIdentifierAsync("AcMe");
        var sliced = await Catalog.FindByIdentifierAsync("x.ACME.y".AsMemory(2, 4));

        Assert.NotNull(first);
        Assert.Same(first, again);
        Assert.Same(first, sliced);
        Assert.Equal(1, _store.IdentifierLookups);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-acme")]
    [InlineData("acme.example.com")]
    [InlineData("ac me")]
    [InlineData("bücher")]
    public async Task FindByIdentifier_InvalidIdentifier_IsNotFoundWithoutAskingTheStore(string identifier)
    {
        Assert.Null(await Catalog.FindByIdentifierAsync(identifier));
        Assert.Null(await Catalog.FindByIdentifierAsync(new string('a', 64)));
        Assert.Equal(0, _store.IdentifierLookups);
    }

    [Fact]
    public async Task FindByIdentifier_CachedTenantPastEntryLifetime_AsksTheStoreAgain()
    {
        Use(o => o.EntryLifetime = TimeSpan.FromMinutes(5));
        await Catalog.FindByIdentifierAsync("acme");
        await _store.Inner.UpdateAsync(TestTenants.Create("acme", name: "Changed behind the cache", version: 2), 1);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        var cached = await Catalog.FindByIdentifierAsync("acme");
        _time.Advance(TimeSpan.FromTicks(1));
        var fresh = await Catalog.FindByIdentifierAsync("acme");

        Assert.Equal(1, cached!.Version);
        Assert.Equal(2, fresh!.Version);
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task FindByIdentifier_LifetimesOfTimeSpanMaxValue_MeanForever()
    {
        Use(o =>
        {
            o.EntryLifetime = TimeSpan.MaxValue;
            o.NegativeEntryLifetime = TimeSpan.MaxValue;
            o.MaxStaleness = TimeSpan.MaxValue;
        });

        await Catalog.FindByIdentifierAsync("acme");
        await Catalog.FindByIdentifierAsync("ghost");
        _time.Advance(TimeSpan.FromDays(365));
        await Catalog.FindByIdentifierAsync("acme");
        await Catalog.FindByIdentifierAsync("ghost");

        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task FindByIdentifier_UnknownIdentifier_IsCachedNegativelyUntilTheLifetimeEnds()
    {
        Use(o => o.NegativeEntryLifetime = TimeSpan.FromSeconds(10));

        Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));
        Assert.Equal(1, _store.IdentifierLookups);
        Assert.Equal(1, Cache.NegativeCount);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task FindByIdentifier_TenantAddedBehindTheCache_IsFoundOnceTheNegativeEntryExpires()
    {
        Use(o => o.NegativeEntryLifetime = TimeSpan.FromSeconds(10));
        Assert.Null(await Catalog.FindByIdentifierAsync("hooli"));
        await _store.Inner.AddAsync(TestTenants.Create("hooli"));

        var whileNegative = await Catalog.FindByIdentifierAsync("hooli");
        _time.Advance(TimeSpan.FromSeconds(10));
        var afterExpiry = await Catalog.FindByIdentifierAsync("hooli");

        Assert.Null(whileNegative);
        Assert.Equal("hooli", afterExpiry?.Identifier);
        Assert.Equal(0, Cache.NegativeCount);
    }

    [Fact]
    public async Task Invalidate_NegativeEntry_NextLookupAsksTheStore()
    {
        Assert.Null(await Catalog.FindByIdentifierAsync("hooli"));
        await _store.Inner.AddAsync(TestTenants.Create("hooli"));

        Cache.Invalidate("hooli");

        Assert.Equal(0, Cache.NegativeCount);
        Assert.NotNull(await Catalog.FindByIdentifierAsync("hooli"));
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task Invalidate_CachedTenant_NextLookupAsksTheStore()
    {
        await Catalog.FindByIdentifierAsync("acme");

        Cache.Invalidate("acme");
        await Catalog.FindByIdentifierAsync("acme");

        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task FindByIdentifier_NegativeCacheOff_AsksTheStoreEveryTime()
    {
        Use(o => o.NegativeEntryLifetime = TimeSpan.Zero);

        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));
        }

        Assert.Equal(3, _store.IdentifierLookups);
        Assert.Equal(0, Cache.Count);
    }

    [Fact]
    public async Task FindByIdentifier_MoreUnknownsThanMaxNegativeEntries_RemembersOnlyTheBound()
    {
        Use(o => o.MaxNegativeEntries = 3);

        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await Catalog.FindByIdentifierAsync($"ghost-{i}"));
        }

        Assert.Equal(3, Cache.NegativeCount);
        Assert.Equal(3, Cache.Count);
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(await Catalog.FindByIdentifierAsync($"ghost-{i}"));
        }

        Assert.Equal(17, _store.IdentifierLookups);
        Assert.NotNull(await Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(4, Cache.Count);
    }

    [Fact]
    public async Task Purge_ExpiredNegativeEntries_FreeRoomForNewOnes()
    {
        Use(o => o.MaxNegativeEntries = 2);
        await Catalog.FindByIdentifierAsync("ghost-1");
        await Catalog.FindByIdentifierAsync("ghost-2");

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, Cache.NegativeCount);
        await Catalog.FindByIdentifierAsync("ghost-3");
        await Catalog.FindByIdentifierAsync("ghost-3");

        Assert.Equal(1, Cache.NegativeCount);
        Assert.Equal(3, _store.IdentifierLookups);
    }

    [Fact]
    public async Task UnknownIdentifierFlood_ConcurrentlyNeverGrowsPastTheBound()
    {
        Use(o => o.MaxNegativeEntries = 50);

        await Parallel.ForAsync(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) => Assert.Null(await Catalog.FindByIdentifierAsync($"random-{i}")));

        Assert.Equal(50, Cache.NegativeCount);
        Assert.Equal(Cache.NegativeCount, Cache.Count);
    }

    [Fact]
    public async Task NegativeCount_ChangesRacingOverOneUnknownIdentifier_StaysExact()
    {
        // Stress: Created changes (turning the unknown entry into a tenant) race misses (caching it as unknown) and
        // invalidations (removing it) on one identifier. The count of remembered unknowns bounds memory: if it drifts,
        // the bound is exceeded or negative caching stops for good.
        const int Rounds = 100_000;
        var hooli = TestTenants.Create("hooli");
        var created = new TenantChange(TenantChangeKind.Created, hooli.Id, hooli.Identifier, hooli);
        var catalog = Cache;
        var feed = Feed;
        using var go = new Barrier(2);

        var changer = Task.Factory.StartNew(
            () =>
            {
                go.SignalAndWait();
                for (var i = 0; i < Rounds; i++)
                {
                    feed.Publish(created);
                    Thread.SpinWait(i % 16);
                }
            },
            TaskCreationOptions.LongRunning);
        var missesAndInvalidations = Task.Factory.StartNew(
            () =>
            {
                go.SignalAndWait();
                for (var i = 0; i < Rounds; i++)
                {
                    catalog.Invalidate("hooli");
                    _ = catalog.FindByIdentifierAsync("hooli");
                }
            },
            TaskCreationOptions.LongRunning);
        await Task.WhenAll(changer, missesAndInvalidations).WaitAsync(TimeSpan.FromSeconds(30));
        catalog.Invalidate("hooli");

        Assert.Equal(0, Cache.Count);
        Assert.Equal(0, Cache.NegativeCount);
    }

    [Fact]
    public async Task CreatedChange_ForANegativelyCachedIdentifier_IsServedAtOnce()
    {
        Assert.Null(await Catalog.FindByIdentifierAsync("hooli"));
        var hooli = await _store.Inner.AddAsync(TestTenants.Create("hooli"));

        Feed.Publish(new TenantChange(TenantChangeKind.Created, hooli.Id, hooli.Identifier, hooli));

        Assert.Same(hooli, await Catalog.FindByIdentifierAsync("hooli"));
        Assert.Equal(1, _store.IdentifierLookups);
        Assert.Equal(0, Cache.NegativeCount);
    }

    [Fact]
    public async Task UpdatedChange_ReplacesTheCachedTenantAtOnce()
    {
        await Catalog.FindByIdentifierAsync("acme");
        var v2 = await _store.Inner.UpdateAsync(TestTenants.Create("acme", name: "Acme Corp", version: 2), 1);

        Feed.Publish(new TenantChange(TenantChangeKind.Updated, v2.Id, v2.Identifier, v2));

        Assert.Same(v2, await Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(1, _store.IdentifierLookups);
    }

    [Fact]
    public async Task SuspendedChange_ServesTheSuspendedTenantAtOnce()
    {
        await Catalog.FindByIdentifierAsync("acme");
        var suspended = await _store.Inner.UpdateAsync(TestTenants.Create("acme", state: TenantState.Suspended, version: 2), 1);

        Feed.Publish(new TenantChange(TenantChangeKind.Suspended, suspended.Id, suspended.Identifier, suspended));

        Assert.Equal(TenantState.Suspended, (await Catalog.FindByIdentifierAsync("acme"))!.State);
        Assert.Equal(1, _store.IdentifierLookups);
    }

    [Fact]
    public async Task OlderChange_DoesNotReplaceANewerCachedTenant()
    {
        await _store.Inner.UpdateAsync(TestTenants.Create("acme", version: 3), 1);
        var v3 = await Catalog.FindByIdentifierAsync("acme");
        var v2 = TestTenants.Create("acme", name: "Late message", version: 2);

        Feed.Publish(new TenantChange(TenantChangeKind.Updated, v2.Id, v2.Identifier, v2, isRemote: true));

        Assert.Same(v3, await Catalog.FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task RenameChange_EvictsTheOldIdentifierAndServesTheNewOne()
    {
        await Catalog.FindByIdentifierAsync("acme");
        var renamed = await _store.Inner.UpdateAsync(TestTenants.Create("acme-corp", id: "id-acme", version: 2), 1);

        Feed.Publish(new TenantChange(TenantChangeKind.Updated, renamed.Id, renamed.Identifier, renamed, previousIdentifier: "acme"));

        Assert.Same(renamed, await Catalog.FindByIdentifierAsync("acme-corp"));
        Assert.Equal(1, _store.IdentifierLookups);
        Assert.Null(await Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task DeletedChange_EvictsTheTenantAtOnce()
    {
        await Catalog.FindByIdentifierAsync("acme");
        await _store.Inner.DeleteAsync("id-acme", 1);

        Feed.Publish(new TenantChange(TenantChangeKind.Deleted, "id-acme", "acme", null));

        Assert.Null(await Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task DeletedChange_WhileAStoreAnswerIsInFlight_TheOutdatedAnswerIsNotCached()
    {
        _store.HoldAfterReading = true;
        _store.Block();
        var inFlight = Catalog.FindByIdentifierAsync("acme").AsTask();
        await _store.LookupStarted.WaitAsync(Patience);

        await _store.Inner.DeleteAsync("id-acme", 1);
        Feed.Publish(new TenantChange(TenantChangeKind.Deleted, "id-acme", "acme", null));
        _store.Release();
        Assert.NotNull(await inFlight.WaitAsync(Patience));

        Assert.Null(await Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task DeletedChange_WhileAStoreAnswerIsInFlight_NewCallersDoNotJoinTheOutdatedLookup()
    {
        _store.HoldAfterReading = true;
        _store.Block();
        var inFlight = Catalog.FindByIdentifierAsync("acme").AsTask();
        await _store.LookupStarted.WaitAsync(Patience);

        await _store.Inner.DeleteAsync("id-acme", 1);
        Feed.Publish(new TenantChange(TenantChangeKind.Deleted, "id-acme", "acme", null));
        var after = Catalog.FindByIdentifierAsync("acme").AsTask();
        _store.Release();
        await Task.WhenAll(inFlight, after).WaitAsync(Patience);

        Assert.Null(await after);
        Assert.Equal(2, _store.IdentifierLookups);
        Assert.Null(await Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task DeletedChange_RacingAStoreAnswer_NeverLeavesTheDeletedTenantCached()
    {
        // Stress: the store's answer (read before the delete) and the Deleted change land at the same moment, over and
        // over. Whatever the interleaving, the cache must not keep the tenant once the change was published.
        _store.HoldAfterReading = true;
        var deleted = new TenantChange(TenantChangeKind.Deleted, "id-acme", "acme", null);
        var stale = 0;
        for (var i = 0; i < 2000; i++)
        {
            Cache.Invalidate("acme");
            _store.ResetLookupStarted();
            _store.Block();
            var lookup = Catalog.FindByIdentifierAsync("acme").AsTask();
            await _store.LookupStarted.WaitAsync(Patience);
            using var go = new Barrier(2);
            var spin = i % 64;
            var answer = Task.Run(() =>
            {
                go.SignalAndWait();
                _store.Release();
            });
            var change = Task.Run(() =>
            {
                go.SignalAndWait();
                Thread.SpinWait(spin);
                Feed.Publish(deleted);
            });
            await Task.WhenAll(answer, change, lookup).WaitAsync(Patience);
            if (Cache.Count != 0)
            {
                stale++;
            }
        }

        Assert.Equal(0, stale);
    }

    [Fact]
    public async Task StoreDown_CachedTenant_IsStillServed()
    {
        var acme = await Catalog.FindByIdentifierAsync("acme");
        _store.FailWith(new IOException("database down"));

        Assert.Same(acme, await Catalog.FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task StoreDown_ExpiredCachedTenant_IsServedStale()
    {
        var logs = new CapturingLoggerProvider();
        Use(o => o.EntryLifetime = TimeSpan.FromMinutes(5), logs);
        var acme = await Catalog.FindByIdentifierAsync("acme");
        _time.Advance(TimeSpan.FromMinutes(30));
        _store.FailWith(new IOException("database down"));

        var stale = await Catalog.FindByIdentifierAsync("acme");

        Assert.Same(acme, stale);
        Assert.Equal(2, _store.IdentifierLookups);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 1003 && e.Exception is IOException);
    }

    [Fact]
    public async Task StoreDown_WhileServingStale_RetriesTheStoreOnlyAfterTheRetryInterval()
    {
        Use(o =>
        {
            o.EntryLifetime = TimeSpan.FromMinutes(5);
            o.StoreRetryInterval = TimeSpan.FromSeconds(5);
        });
        await Catalog.FindByIdentifierAsync("acme");
        _time.Advance(TimeSpan.FromMinutes(5));
        _store.FailWith(new IOException("database down"));

        await Catalog.FindByIdentifierAsync("acme");
        await Catalog.FindByIdentifierAsync("acme");
        _time.Advance(TimeSpan.FromSeconds(4));
        await Catalog.FindByIdentifierAsync("acme");
        Assert.Equal(2, _store.IdentifierLookups);

        _store.FailWith(null);
        await _store.Inner.UpdateAsync(TestTenants.Create("acme", name: "Back", version: 2), 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        var fresh = await Catalog.FindByIdentifierAsync("acme");

        Assert.Equal(2, fresh!.Version);
        Assert.Equal(3, _store.IdentifierLookups);
    }

    [Fact]
    public async Task StoreDown_PastMaxStaleness_ThrowsUnavailable()
    {
        Use(o =>
        {
            o.EntryLifetime = TimeSpan.FromMinutes(5);
            o.MaxStaleness = TimeSpan.FromMinutes(10);
        });
        await Catalog.FindByIdentifierAsync("acme");
        _store.FailWith(new IOException("database down"));

        _time.Advance(TimeSpan.FromMinutes(15));

        await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.FindByIdentifierAsync("acme").AsTask());
    }

    [Fact]
    public async Task StoreDown_UncachedIdentifier_ThrowsUnavailableNeverNotFound()
    {
        var failure = new IOException("database down");
        _store.FailWith(failure);

        var ex = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.FindByIdentifierAsync("globex").AsTask());

        Assert.Same(failure, ex.InnerException);
        Assert.Equal("tenant-catalog-unavailable", ex.ErrorCode);
        Assert.Equal(0, Cache.Count);
    }

    [Fact]
    public async Task StoreDown_ExpiredNegativeEntry_ThrowsUnavailableRatherThanGuessing()
    {
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));
        _time.Advance(TimeSpan.FromMinutes(1));
        _store.FailWith(new TimeoutException());

        await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.FindByIdentifierAsync("ghost").AsTask());
    }

    [Fact]
    public async Task StoreDown_ConcurrentUncachedLookups_AllThrowUnavailable()
    {
        _store.Block();
        var lookups = Enumerable.Range(0, 100).Select(_ => Catalog.FindByIdentifierAsync("acme").AsTask()).ToArray();
        _store.FailWith(new IOException("down"));
        _store.Release();

        foreach (var lookup in lookups)
        {
            await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => lookup.WaitAsync(Patience));
        }

        Assert.Equal(1, _store.IdentifierLookups);
    }

    [Fact]
    public async Task StoreBackUp_AfterAFailure_LookupsSucceedAgain()
    {
        _store.FailWith(new IOException("down"));
        await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.FindByIdentifierAsync("acme").AsTask());

        _store.FailWith(null);

        Assert.NotNull(await Catalog.FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task FindByIdAndList_StoreDown_ThrowUnavailable()
    {
        _store.FailWith(new IOException("down"));

        await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Cache.FindByIdAsync("id-acme").AsTask());
        await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.ListAsync(new TenantQuery()).AsTask());
    }

    [Fact]
    public async Task FindByIdAndList_ReadTheStore()
    {
        Assert.Equal("acme", (await Cache.FindByIdAsync("id-acme"))!.Identifier);
        Assert.Null(await Cache.FindByIdAsync("nope"));
        Assert.Equal(2, (await Catalog.ListAsync(new TenantQuery { Take = 1 })).TotalCount);
    }

    [Fact]
    public async Task ListAllAsync_EnumeratesEveryPage()
    {
        for (var i = 0; i < 25; i++)
        {
            await _store.Inner.AddAsync(TestTenants.Create($"t{i:00}"));
        }

        var all = new List<string>();
        await foreach (var tenant in Catalog.ListAllAsync(new TenantQuery { Take = 10, Search = "t" }))
        {
            all.Add(tenant.Identifier);
        }

        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"t{i:00}"), all);
    }

    [Fact]
    public async Task StoreAnsweringAnotherTenant_IsTreatedAsAFailureNotServed()
    {
        await _services.DisposeAsync();
        var globex = TestTenants.Create("globex");
        _services = TestServices.Build(b => b.WithStore(_ => new LyingStore(globex)), _time);

        var ex = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.FindByIdentifierAsync("acme").AsTask());

        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public async Task FindByIdentifier_SecondWaiterCancelled_OthersStillGetTheAnswer()
    {
        _store.Block();
        using var cancel = new CancellationTokenSource();
        var first = Catalog.FindByIdentifierAsync("acme").AsTask();
        var cancelled = Catalog.FindByIdentifierAsync("acme", cancel.Token).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Patience));
        _store.Release();

        Assert.NotNull(await first.WaitAsync(Patience));
        Assert.Equal(1, _store.IdentifierLookups);
    }

    [Fact]
    public async Task FindByIdentifier_WaiterThatStartedTheLookupCancelled_StopsWaitingWhileTheStoreHangs()
    {
        _store.Block();
        using var cancel = new CancellationTokenSource();
        var cancelled = Catalog.FindByIdentifierAsync("acme", cancel.Token).AsTask();
        var patient = Catalog.FindByIdentifierAsync("acme").AsTask();
        await _store.LookupStarted.WaitAsync(Patience);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Patience));
        _store.Release();

        Assert.NotNull(await patient.WaitAsync(Patience));
        Assert.Equal(1, _store.IdentifierLookups);
    }

    [Fact]
    public async Task FindByIdentifier_CachedHit_AllocatesNothing()
    {
        await Catalog.FindByIdentifierAsync("acme");
        var catalog = Catalog;
        var lower = "acme".AsMemory();
        var upper = "ACME".AsMemory();

        var misses = FindMany(catalog, lower, upper, 1_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        misses += FindMany(catalog, lower, upper, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, misses);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task FindByIdentifier_NegativeHit_AllocatesNothing()
    {
        await Catalog.FindByIdentifierAsync("ghost");
        var catalog = Catalog;
        var ghost = "ghost".AsMemory();

        var found = FindMany(catalog, ghost, ghost, 1_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        found += FindMany(catalog, ghost, ghost, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(22_000, found);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task FindByIdentifier_UnknownIdentifierCachedAgainAfterExpiry_CountsOnceAgainstTheBound()
    {
        // kills: the release of the reservation removed when a negative entry replaces an expired one (the count
        // would hold ghost-1 twice and refuse to remember ghost-2)
        Use(o => o.MaxNegativeEntries = 2);
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost-1"));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost-1"));
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost-2"));

        Assert.Null(await Catalog.FindByIdentifierAsync("ghost-2"));
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost-1"));

        Assert.Equal(3, _store.IdentifierLookups);
        Assert.Equal(2, Cache.NegativeCount);
    }

    [Fact]
    public async Task Purge_LiveNegativeAndCachedEntries_AreKeptAndCounted()
    {
        // kills: the purge's staleness test inverted or widened, and its decrement run for entries it did not remove
        Use(o => o.NegativeEntryLifetime = TimeSpan.FromMinutes(5));
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));
        Assert.NotNull(await Catalog.FindByIdentifierAsync("acme"));

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(2, Cache.Count);
        Assert.Equal(1, Cache.NegativeCount);
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));
        Assert.NotNull(await Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task Purge_TenantPastItsStaleness_IsDroppedWithoutTouchingTheNegativeCount()
    {
        // kills: 'entry.Tenant is null' -> 'is not null' in the purge (a purged tenant would release an unknown's place)
        Use(o =>
        {
            o.EntryLifetime = TimeSpan.FromMinutes(1);
            o.MaxStaleness = TimeSpan.FromMinutes(1);
            o.NegativeEntryLifetime = TimeSpan.FromMinutes(10);
        });
        Assert.NotNull(await Catalog.FindByIdentifierAsync("acme"));
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));

        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(1, Cache.Count);
        Assert.Null(Cache.PeekCached("acme"));
        Assert.Equal(1, Cache.NegativeCount);
    }

    [Fact]
    public async Task FindByIdentifier_SameVersionFetchedAgainAfterExpiry_IsCachedAgain()
    {
        // kills: '>' -> '>=' in the version guard (an equal version would keep the expired entry, and every lookup
        // after it would ask the store)
        Use(o => o.EntryLifetime = TimeSpan.FromMinutes(5));
        await Catalog.FindByIdentifierAsync("acme");
        _time.Advance(TimeSpan.FromMinutes(5));

        await Catalog.FindByIdentifierAsync("acme");
        await Catalog.FindByIdentifierAsync("acme");
        await Catalog.FindByIdentifierAsync("acme");

        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task FindByIdentifier_TenantRecreatedUnderTheSameIdentifierWithALowerVersion_IsServedAfterExpiry()
    {
        // kills: the id comparison of the version guard mutated: a new tenant (another id) that took the identifier is
        // served even though its version is lower than the deleted one's
        Use(o => o.EntryLifetime = TimeSpan.FromMinutes(5));
        await _store.Inner.UpdateAsync(TestTenants.Create("acme", version: 3), 1);
        Assert.Equal(3, (await Catalog.FindByIdentifierAsync("acme"))!.Version);
        await _store.Inner.DeleteAsync("id-acme", 3);
        var recreated = await _store.Inner.AddAsync(TestTenants.Create("acme", id: "id-acme-2"));
        _time.Advance(TimeSpan.FromMinutes(5));

        var found = await Catalog.FindByIdentifierAsync("acme");

        Assert.Equal("id-acme-2", found!.Id);
        Assert.Equal(recreated.Version, (await Catalog.FindByIdentifierAsync("acme"))!.Version);
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task StoreDown_ExactlyAtTheStalenessBound_ThrowsUnavailable()
    {
        // kills: '<' -> '<=' on the staleness bound (StaleUntil itself must no longer be served); 30 s off the purge's
        // minute so the purge does not decide it
        Use(o =>
        {
            o.EntryLifetime = TimeSpan.FromSeconds(330);
            o.MaxStaleness = TimeSpan.FromMinutes(10);
            o.StoreRetryInterval = TimeSpan.FromMinutes(20);
        });
        var acme = await Catalog.FindByIdentifierAsync("acme");
        _store.FailWith(new IOException("database down"));

        _time.Advance(TimeSpan.FromSeconds(930) - TimeSpan.FromTicks(1));
        var stale = await Catalog.FindByIdentifierAsync("acme");
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Same(acme, stale);
        await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.FindByIdentifierAsync("acme").AsTask());
        Assert.Equal(3, _store.IdentifierLookups);
    }

    [Fact]
    public async Task StoreDown_StaleEntryNearItsBound_IsRetriedAtTheBoundNotAfterTheRetryInterval()
    {
        // kills: Math.Min -> Math.Max on the stale entry's next expiry (it would be served without asking the store
        // for the whole retry interval)
        Use(o =>
        {
            o.EntryLifetime = TimeSpan.FromSeconds(330);
            o.MaxStaleness = TimeSpan.FromMinutes(10);
            o.StoreRetryInterval = TimeSpan.FromMinutes(20);
        });
        await Catalog.FindByIdentifierAsync("acme");
        _store.FailWith(new IOException("database down"));
        _time.Advance(TimeSpan.FromSeconds(400));
        await Catalog.FindByIdentifierAsync("acme");
        _store.FailWith(null);

        _time.Advance(TimeSpan.FromSeconds(530));
        Assert.NotNull(await Catalog.FindByIdentifierAsync("acme"));

        Assert.Equal(3, _store.IdentifierLookups);
    }

    [Fact]
    public async Task StoreTimeout_TheCallerDidNotCancel_IsUnavailableNotCancellation()
    {
        // kills: the error classification of a store's own cancellation (a timeout): only the caller's cancellation
        // passes through as OperationCanceledException
        var timeout = new TaskCanceledException("store timeout");
        _store.FailWith(timeout);

        var byIdentifier = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.FindByIdentifierAsync("acme").AsTask());
        var byId = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Caching.FindByIdAsync("id-acme").AsTask());
        var list = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.ListAsync(new TenantQuery()).AsTask());

        Assert.All(new Exception?[] { byIdentifier.InnerException, byId.InnerException, list.InnerException }, e => Assert.Same(timeout, e));
    }

    [Fact]
    public async Task StoreCancelled_TheCallerCancelled_PassesTheCancellationThrough()
    {
        // kills: '&&' -> '||' and the token test removed in the error classification
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        _store.FailWith(new OperationCanceledException(cancel.Token));

        await Assert.ThrowsAsync<OperationCanceledException>(() => Caching.FindByIdAsync("id-acme", cancel.Token).AsTask());
        await Assert.ThrowsAsync<OperationCanceledException>(() => Catalog.ListAsync(new TenantQuery(), cancel.Token).AsTask());
    }

    [Fact]
    public async Task StoreThrowingATenantKitException_PassesItThroughUnwrapped()
    {
        // kills: 'ex is not TenantKitException' dropped from the classification: a store's own typed refusal is the caller's to see
        var refusal = new TenantValidationException("query", "not supported by this store");
        _store.FailWith(refusal);

        Assert.Same(refusal, await Assert.ThrowsAsync<TenantValidationException>(() => Caching.FindByIdAsync("id-acme").AsTask()));
        Assert.Same(refusal, await Assert.ThrowsAsync<TenantValidationException>(() => Catalog.ListAsync(new TenantQuery()).AsTask()));
    }

    [Fact]
    public async Task FindByIdStoreDown_MessageNamesTheEscapedId_AndTheErrorIsCounted()
    {
        // kills: the message string mutants and the store-error count removed on the id and list paths
        var logs = new CapturingLoggerProvider();
        Use(logs: logs);
        _store.FailWith(new IOException("down"));

        var byId = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Caching.FindByIdAsync("id\r\nx").AsTask());
        var list = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.ListAsync(new TenantQuery()).AsTask());
        var lookup = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Catalog.FindByIdentifierAsync("globex").AsTask());

        Assert.Contains("The tenant store failed while looking up tenant id 'id\\u000d\\u000ax'.", byId.Message, StringComparison.Ordinal);
        Assert.Contains("The tenant store failed while listing tenants.", list.Message, StringComparison.Ordinal);
        Assert.Contains("The tenant store failed while looking up 'globex', and that tenant is not cached.", lookup.Message, StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 1004 && e.Exception is IOException);
    }

    [Fact]
    public async Task NullArguments_AreRefusedAtOnce()
    {
        // kills: each ArgumentNullException.ThrowIfNull removed (the store would be asked, or nothing remembered)
        await Assert.ThrowsAsync<ArgumentNullException>(() => Caching.FindByIdAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => Catalog.ListAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => Catalog.FindByIdentifierAsync("acme".AsMemory(), null!, this).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => Catalog.FindByIdentifierAsync("acme".AsMemory(), "acme", null!).AsTask());
        Assert.Throws<ArgumentNullException>(() => Caching.Invalidate(null!));
        Assert.Equal(0, _store.IdentifierLookups);
    }

    [Fact]
    public async Task TryRecall_CachedTenant_IsRecalledUntilItsEntryExpires()
    {
        // kills: '<' -> '<=' on the recalled entry's expiry, and the expiry test removed
        Use(o => o.EntryLifetime = TimeSpan.FromMinutes(5));
        var source = "acme.example.com";
        await Catalog.FindByIdentifierAsync("acme".AsMemory(), source, this);
        var acme = await Catalog.FindByIdentifierAsync("acme".AsMemory(), source, this);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.True(Catalog.TryRecall(new string(source.AsSpan()), this, out var recalled));
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Same(acme, recalled);
        Assert.False(Catalog.TryRecall(source, this, out var expired));
        Assert.Null(expired);
    }

    [Fact]
    public async Task TryRecall_UnknownIdentifier_IsNeverRecalled()
    {
        // kills: '&&' -> '||' in "remember only a found tenant" (an unknown would be recalled as a null tenant)
        await Catalog.FindByIdentifierAsync("ghost".AsMemory(), "ghost.example.com", this);
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost".AsMemory(), "ghost.example.com", this));

        Assert.False(Catalog.TryRecall("ghost.example.com", this, out var tenant));
        Assert.Null(tenant);
    }

    [Fact]
    public async Task TryRecall_ACachedTenantFoundWithoutASource_IsNotRecalledByAnotherReader()
    {
        // kills: the recall served to any reader: the answer is filed under the reader that read the text
        await Catalog.FindByIdentifierAsync("acme".AsMemory(), "acme", this);
        await Catalog.FindByIdentifierAsync("acme".AsMemory(), "acme", this);

        Assert.True(Catalog.TryRecall("acme", this, out _));
        Assert.False(Catalog.TryRecall("acme", new object(), out _));
    }

    [Fact]
    public async Task Invalidate_WhileAStoreAnswerIsInFlight_TheAnswerIsNotCachedAndNewCallersAskAgain()
    {
        // kills: the in-flight lookup kept by Invalidate (new callers would join the outdated lookup), and the epoch
        // left unchanged (the outdated answer would be cached)
        _store.HoldAfterReading = true;
        _store.Block();
        var inFlight = Catalog.FindByIdentifierAsync("acme").AsTask();
        await _store.LookupStarted.WaitAsync(Patience);
        await _store.Inner.UpdateAsync(TestTenants.Create("acme", name: "Renamed", version: 2), 1);

        Caching.Invalidate("acme");
        var after = Catalog.FindByIdentifierAsync("acme").AsTask();
        _store.Release();
        var answers = await Task.WhenAll(inFlight, after).WaitAsync(Patience);

        Assert.Equal(1, answers[0]!.Version);
        Assert.Equal(2, answers[1]!.Version);
        Assert.Equal(2, (await Catalog.FindByIdentifierAsync("acme"))!.Version);
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task Clear_WhileAStoreAnswerIsInFlight_TheAnswerIsNotCachedAndNewCallersAskAgain()
    {
        // kills: the in-flight lookups kept by Clear, the entries left in place, and the epoch left unchanged
        Assert.Null(await Catalog.FindByIdentifierAsync("ghost"));
        Assert.NotNull(await Catalog.FindByIdentifierAsync("globex"));
        _store.ResetLookupStarted();
        _store.HoldAfterReading = true;
        _store.Block();
        var inFlight = Catalog.FindByIdentifierAsync("acme").AsTask();
        await _store.LookupStarted.WaitAsync(Patience);
        await _store.Inner.UpdateAsync(TestTenants.Create("acme", name: "Renamed", version: 2), 1);

        Cache.Clear();
        Assert.Equal(0, Cache.Count);
        Assert.Equal(0, Cache.NegativeCount);
        var after = Catalog.FindByIdentifierAsync("acme").AsTask();
        _store.Release();
        var answers = await Task.WhenAll(inFlight, after).WaitAsync(Patience);

        Assert.Equal(1, answers[0]!.Version);
        Assert.Equal(2, answers[1]!.Version);
        Assert.Equal(2, (await Catalog.FindByIdentifierAsync("acme"))!.Version);
        Assert.NotNull(await Catalog.FindByIdentifierAsync("globex"));
        Assert.Equal(5, _store.IdentifierLookups);
    }

    /// <summary>Looks both identifiers up <paramref name="rounds"/> times; returns how many lookups were not cached hits for a tenant.</summary>
    private static int FindMany(ITenantCatalog catalog, ReadOnlyMemory<char> a, ReadOnlyMemory<char> b, int rounds)
    {
        var misses = 0;
        for (var i = 0; i < rounds; i++)
        {
            var first = catalog.FindByIdentifierAsync(a);
            var second = catalog.FindByIdentifierAsync(b);
            if (!first.IsCompletedSuccessfully || first.Result is null)
            {
                misses++;
            }

            if (!second.IsCompletedSuccessfully || second.Result is null)
            {
                misses++;
            }
        }

        return misses;
    }

    private void Use(Action<TenantCatalogOptions>? configure = null, CapturingLoggerProvider? logs = null)
    {
        _services?.Dispose();
        _services = TestServices.Build(
            b =>
            {
                b.WithStore(_ => _store);
                if (configure is not null)
                {
                    b.ConfigureCatalog(configure);
                }
            },
            _time,
            logs: logs);
    }

    private sealed class LyingStore(TenantInfo answer) : ITenantStore
    {
        public bool IsReadOnly => true;

        public ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default) => new(answer);

        public ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default) => new(answer);

        public ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default) => new(new TenantPage([answer], 1));

        public ValueTask<TenantInfo> AddAsync(TenantInfo tenant, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<TenantInfo> UpdateAsync(TenantInfo tenant, long expectedVersion, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
