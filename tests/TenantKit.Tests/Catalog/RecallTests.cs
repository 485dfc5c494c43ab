using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Catalog;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Catalog;

/// <summary>
/// Answers remembered by the text of the string they were read from (<see cref="RecentLookups{TValue}"/>, and the
/// catalog's <see cref="CachingTenantCatalog.TryRecall"/> over it): only the same text (ordinal), read by the same reader,
/// recalls, without keeping the request's string alive, and any catalog change or expiry forgets.
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
    public void Lookups_RecallOnlyTheSameTextReaderAndEpoch()
    {
        var lookups = new RecentLookups<object>();
        var source = NewString("acme.example.com");
        var answer = new object();

        lookups.Remember(source, Reader, answer, epoch: 3);

        Assert.True(lookups.TryGet(source, Reader, 3, out var recalled));
        Assert.Same(answer, recalled);
        Assert.True(lookups.TryGet(NewString("acme.example.com"), Reader, 3, out var again), "an equal string that is another object");
        Assert.Same(answer, again);
        Assert.False(lookups.TryGet(NewString("ACME.example.com"), Reader, 3, out _), "the same name in other letter cases");
        Assert.False(lookups.TryGet(NewString("acme.example.co"), Reader, 3, out _), "a prefix");
        Assert.False(lookups.TryGet(NewString("acme.example.com."), Reader, 3, out _), "a longer text");
        Assert.False(lookups.TryGet(source, new object(), 3, out _), "another reader");
        Assert.False(lookups.TryGet(source, Reader, 4, out _), "another epoch");
    }

    [Fact]
    public void Lookups_RememberingAnEqualTextAgain_KeepsTheFirstStringObject()
    {
        // A request's new Host string must not be kept alive by the table: that is what cost a collection per request.
        var lookups = new RecentLookups<object>();
        var first = NewString("acme.example.com");
        var answer = new object();
        lookups.Remember(first, Reader, answer, 0);

        var weak = RememberEqualCopy(lookups, "acme.example.com", answer);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.False(weak.TryGetTarget(out _), "the table kept the second string object alive");
        Assert.Same(first, lookups.RememberedSource("acme.example.com"));
        Assert.True(lookups.TryGet(NewString("acme.example.com"), Reader, 0, out _));
    }

    [Fact]
    public void Lookups_AnotherAnswerOrEpochForTheSameText_Replaces()
    {
        var lookups = new RecentLookups<object>();
        lookups.Remember(NewString("acme.example.com"), Reader, "old", 0);

        lookups.Remember(NewString("acme.example.com"), Reader, "new", 1);

        Assert.False(lookups.TryGet(NewString("acme.example.com"), Reader, 0, out _));
        Assert.True(lookups.TryGet(NewString("acme.example.com"), Reader, 1, out var recalled));
        Assert.Equal("new", recalled);
    }

    [Fact]
    public void Lookups_IndexOf_SpreadsManyHostNamesOverTheTable()
    {
        // Look-alike host names (one digit apart) must not pile into a few slots, or recalls would keep evicting.
        var used = new HashSet<int>();
        for (var i = 0; i < RecentLookups<object>.Size; i++)
        {
            used.Add(RecentLookups<object>.IndexOf($"t{i:D5}.example.com"));
        }

        // A uniform hash fills about 1 - 1/e (63%) of the slots with as many keys as slots.
        Assert.InRange(used.Count, RecentLookups<object>.Size * 55 / 100, RecentLookups<object>.Size);
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
    public async Task Catalog_RecallsACachedTenantByItsSourceText()
    {
        var source = NewString("acme.example.com");
        var found = await FindAsync(source);

        Assert.True(Cache.TryRecall(source, Reader, out var recalled));
        Assert.Same(found, recalled);
        Assert.True(Cache.TryRecall(NewString("acme.example.com"), Reader, out var byText), "a new string with the same text");
        Assert.Same(found, byText);
        Assert.False(Cache.TryRecall(NewString("globex.example.com"), Reader, out _), "a text never looked up");
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

    /// <summary>Remembers a new copy of <paramref name="text"/> and returns only a weak reference to it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<string> RememberEqualCopy(RecentLookups<object> lookups, string text, object answer)
    {
        var copy = NewString(text);
        lookups.Remember(copy, Reader, answer, 0);
        return new WeakReference<string>(copy);
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
