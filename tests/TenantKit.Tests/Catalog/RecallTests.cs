using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Catalog;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Catalog;

/// <summary>
/// Answers remembered by the string object they were read from (<see cref="RecentLookups{TValue}"/>, and the catalog's
/// <see cref="CachingTenantCatalog.TryRecall"/> over it): only that very object, read by the same reader, recalls, and
/// any catalog change or expiry forgets.
/// </summary>
public sealed class RecallTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>The reader (a strategy, in the resolver) the lookups below are made for.</summary>
    private static readonly object Reader = new();

    private readonly FakeTimeProvider _time = new(TestTenants.Epoch);
    private readonly ControllableTenantStore _store = new(TestTenants.Create("acme"), TestTenants.Create("globex"));
    private ServiceProvider _services = null!;

    private CachingTenantCatalog Cache => _services.GetRequiredService<CachingTenantCatalog>();

    private ITenantChangeFeed Feed => _services.GetRequiredService<ITenantChangeFeed>();

    public Task InitializeAsync()
    {
        _services = TestServices.Build(b => b.WithStore(_ => _store).ConfigureCatalog(o => o.EntryLifetime = TimeSpan.FromMinutes(5)), _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public void Lookups_RecallOnlyTheSameStringObjectReaderAndEpoch()
    {
        var lookups = new RecentLookups<object>();
        var source = NewString("acme.example.com");
        var answer = new object();

        lookups.Remember(source, Reader, answer, epoch: 3);

        Assert.True(lookups.TryGet(source, Reader, 3, out var recalled));
        Assert.Same(answer, recalled);
        Assert.False(lookups.TryGet(NewString("acme.example.com"), Reader, 3, out _), "an equal string that is another object");
        Assert.False(lookups.TryGet(source, new object(), 3, out _), "another reader");
        Assert.False(lookups.TryGet(source, Reader, 4, out _), "another epoch");
    }

    [Fact]
    public void Lookups_ASlotTakenByAnotherSource_ForgetsTheFirst()
    {
        var lookups = new RecentLookups<object>();
        var first = NewString("a.example.com");
        var second = SameSlotSource(first, "b.example.com");

        lookups.Remember(first, Reader, "first", 0);
        lookups.Remember(second, Reader, "second", 0);

        Assert.False(lookups.TryGet(first, Reader, 0, out _));
        Assert.True(lookups.TryGet(second, Reader, 0, out var recalled));
        Assert.Equal("second", recalled);
    }

    [Fact]
    public async Task Lookups_WritersRacingOnOneSlot_NeverPairOneSourceWithAnothersAnswer()
    {
        // Stress: eight sources forced into one slot, each remembered with an answer that names it, written and read
        // from several threads at once. A torn read would pair a source with another source's answer.
        var lookups = new RecentLookups<Answer>();
        var first = NewString("t0.example.com");
        var sources = Enumerable.Range(0, 8).Select(i => i == 0 ? first : SameSlotSource(first, $"t{i}.example.com")).ToArray();
        var answers = sources.Select(s => new Answer(s)).ToArray();
        var mismatches = 0;
        var recalls = 0;
        const int Operations = 500_000;

        // A fixed amount of work per thread, not a run time: the same test on a fast or a busy machine.
        var workers = Enumerable.Range(0, Math.Max(4, Environment.ProcessorCount * 2)).Select(w => Task.Run(() =>
        {
            var n = w;
            for (var op = 0; op < Operations; op++)
            {
                var i = n % sources.Length;
                var write = (n++ / sources.Length % 2) == 0;
                if (write)
                {
                    lookups.Remember(sources[i], Reader, answers[i], 0);
                }
                else if (lookups.TryGet(sources[i], Reader, 0, out var answer))
                {
                    Interlocked.Increment(ref recalls);
                    if (!ReferenceEquals(answer.Source, sources[i]))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(Patience);

        Assert.Equal(0, mismatches);
        Assert.True(recalls > 0, "the readers recalled nothing: the test exercised no race");
    }

    [Fact]
    public async Task Catalog_RecallsACachedTenantByItsSourceObject()
    {
        var source = NewString("acme.example.com");
        var found = await FindAsync(source);

        Assert.True(Cache.TryRecall(source, Reader, out var recalled));
        Assert.Same(found, recalled);
        Assert.False(Cache.TryRecall(NewString("acme.example.com"), Reader, out _));
        Assert.Equal(1, _store.IdentifierLookups);
    }

    [Fact]
    public async Task Catalog_UnknownOrInvalidIdentifiers_AreNotRecalled()
    {
        var unknown = NewString("ghost.example.com");
        var invalid = NewString("-bad.example.com");

        Assert.Null(await Cache.FindByIdentifierAsync(unknown.AsMemory(0, 5), unknown, Reader, CancellationToken.None));
        Assert.Null(await Cache.FindByIdentifierAsync(unknown.AsMemory(0, 5), unknown, Reader, CancellationToken.None));
        Assert.Null(await Cache.FindByIdentifierAsync(invalid.AsMemory(0, 4), invalid, Reader, CancellationToken.None));

        Assert.False(Cache.TryRecall(unknown, Reader, out _));
        Assert.False(Cache.TryRecall(invalid, Reader, out _));
    }

    [Fact]
    public async Task Catalog_AnExpiredEntry_IsNotRecalled()
    {
        var source = NewString("acme.example.com");
        await FindAsync(source);

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(Cache.TryRecall(source, Reader, out _));
    }

    [Fact]
    public async Task Catalog_AfterAChange_RecallsNothingAndTheLookupAnswersTheNewSnapshot()
    {
        var source = NewString("acme.example.com");
        await FindAsync(source);
        var suspended = await _store.Inner.UpdateAsync(TestTenants.Create("acme", state: TenantState.Suspended, version: 2), 1);

        Feed.Publish(new TenantChange(TenantChangeKind.Suspended, suspended.Id, suspended.Identifier, suspended));

        Assert.False(Cache.TryRecall(source, Reader, out _));
        Assert.Same(suspended, await Cache.FindByIdentifierAsync(source.AsMemory(0, 4), source, Reader, CancellationToken.None));
        Assert.True(Cache.TryRecall(source, Reader, out var recalled));
        Assert.Same(suspended, recalled);
    }

    [Fact]
    public async Task Catalog_AfterInvalidateOrAChangeToAnotherTenant_RecallsNothing()
    {
        var source = NewString("acme.example.com");
        await FindAsync(source);

        Cache.Invalidate("acme");
        Assert.False(Cache.TryRecall(source, Reader, out _));

        await FindAsync(source);
        var globex = await _store.Inner.FindByIdentifierAsync("globex");
        Feed.Publish(new TenantChange(TenantChangeKind.Updated, globex!.Id, globex.Identifier, globex));
        Assert.False(Cache.TryRecall(source, Reader, out _));
    }

    [Fact]
    public async Task Catalog_ChangesRacingReaders_NeverRecallASnapshotOlderThanTheLastPublished()
    {
        // Stress: reader threads keep recalling (or looking up) through one source string while the writer stores and
        // publishes newer versions. Once a version's change has been published, no read may answer an older one: an
        // answer remembered while the entries were changing must not outlive the change.
        var source = NewString("acme.example.com");
        await FindAsync(source);
        var published = 1L;
        var stale = 0;
        var reads = 0;
        var stop = 0;
        var readers = Enumerable.Range(0, Math.Max(2, Environment.ProcessorCount)).Select(_ => new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                var floor = Volatile.Read(ref published);
                var tenant = Cache.TryRecall(source, Reader, out var recalled)
                    ? recalled
                    : Cache.FindByIdentifierAsync(source.AsMemory(0, 4), source, Reader, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                Interlocked.Increment(ref reads);
                if (tenant is null || tenant.Version < floor)
                {
                    Interlocked.Increment(ref stale);
                }
            }
        })).ToArray();
        foreach (var reader in readers)
        {
            reader.Start();
        }

        for (var version = 2; version <= 3000; version++)
        {
            var next = await _store.Inner.UpdateAsync(TestTenants.Create("acme", version: version), version - 1);
            Feed.Publish(new TenantChange(TenantChangeKind.Updated, next.Id, next.Identifier, next));
            Volatile.Write(ref published, version);
        }

        Volatile.Write(ref stop, 1);
        foreach (var reader in readers)
        {
            Assert.True(reader.Join(Patience));
        }

        Assert.Equal(0, stale);
        Assert.True(reads > 3000, $"only {reads} reads raced 3,000 changes");
    }

    [Fact]
    public async Task Catalog_ATenantLoadedFromTheStore_IsRememberedFromTheNextCachedLookup()
    {
        var source = NewString("acme.example.com");

        await Cache.FindByIdentifierAsync(source.AsMemory(0, 4), source, Reader, CancellationToken.None);
        Assert.False(Cache.TryRecall(source, Reader, out _));

        await Cache.FindByIdentifierAsync(source.AsMemory(0, 4), source, Reader, CancellationToken.None);
        Assert.True(Cache.TryRecall(source, Reader, out _));
    }

    /// <summary>Looks the identifier in <paramref name="source"/> up twice: from the store, then from the cache, which remembers it.</summary>
    private async Task<TenantInfo?> FindAsync(string source)
    {
        var identifier = source.AsMemory(0, source.IndexOf('.'));
        await Cache.FindByIdentifierAsync(identifier, source, Reader, CancellationToken.None);
        return await Cache.FindByIdentifierAsync(identifier, source, Reader, CancellationToken.None);
    }

    /// <summary>A string equal to <paramref name="value"/> but never the same object as any other.</summary>
    private static string NewString(string value) => new(value.AsSpan());

    /// <summary>
    /// A new string object holding <paramref name="value"/> (with a counter appended) that falls in the same slot as
    /// <paramref name="other"/>: strings are made until one does (about <see cref="RecentLookups{TValue}.Size"/> tries).
    /// </summary>
    private static string SameSlotSource(string other, string value)
    {
        var slot = RecentLookups<object>.IndexOf(other);
        for (var i = 0; ; i++)
        {
            var candidate = $"{i}.{value}";
            if (RecentLookups<object>.IndexOf(candidate) == slot)
            {
                return candidate;
            }
        }
    }

    private sealed record Answer(string Source);
}
