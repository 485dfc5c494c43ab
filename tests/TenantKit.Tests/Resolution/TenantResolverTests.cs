using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Resolution;

public sealed class TenantResolverTests : IAsyncLifetime
{
    private readonly ControllableTenantStore _store = new(
        TestTenants.Create("acme"),
        TestTenants.Create("globex"),
        TestTenants.Create("initech", state: TenantState.Suspended));

    private readonly List<ServiceProvider> _providers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    [Fact]
    public async Task ResolveAsync_SeveralStrategiesAnswer_TheFirstDeclaredWins()
    {
        var calls = new List<string>();
        var resolver = Resolver<Message>(b => b
            .WithDelegateStrategy<Message>(m => Record(calls, "claim", m.Claim))
            .WithDelegateStrategy<Message>(m => Record(calls, "header", m.Header))
            .WithDelegateStrategy<Message>(m => Record(calls, "host", m.Host)));

        var result = await resolver.ResolveAsync(new Message(Claim: null, Header: "globex", Host: "acme"));

        Assert.Equal(TenantResolutionStatus.Resolved, result.Status);
        Assert.True(result.IsResolved);
        Assert.Equal("globex", result.Tenant.Identifier);
        Assert.Equal(1, result.StrategyIndex);
        Assert.Null(result.Error);
        Assert.Equal(["claim", "header"], calls);
    }

    [Fact]
    public async Task ResolveAsync_FirstStrategyAnswers_LaterStrategiesAreNotAsked()
    {
        var calls = new List<string>();
        var resolver = Resolver<Message>(b => b
            .WithDelegateStrategy<Message>(m => Record(calls, "claim", m.Claim))
            .WithDelegateStrategy<Message>(m => Record(calls, "header", m.Header)));

        var result = await resolver.ResolveAsync(new Message(Claim: "acme", Header: "globex"));

        Assert.Equal(("acme", 0), (result.Tenant?.Identifier, result.StrategyIndex));
        Assert.Equal(["claim"], calls);
    }

    [Fact]
    public async Task ResolveAsync_EmptyAnswer_CountsAsNoAnswer()
    {
        var resolver = Resolver<Message>(b => b
            .WithDelegateStrategy<Message>(_ => "")
            .WithDelegateStrategy<Message>(m => m.Host));

        var result = await resolver.ResolveAsync(new Message(Host: "acme"));

        Assert.Equal(("acme", 1), (result.Tenant?.Identifier, result.StrategyIndex));
    }

    [Fact]
    public async Task ResolveAsync_NoStrategyAnswers_IsNoIdentifier()
    {
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Header));

        var result = await resolver.ResolveAsync(new Message());

        Assert.Equal(TenantResolutionStatus.NoIdentifier, result.Status);
        Assert.Equal(-1, result.StrategyIndex);
        Assert.Null(result.Tenant);
        Assert.Throws<TenantNotSetException>(() => result.GetActiveTenant("message"));
    }

    [Fact]
    public async Task ResolveAsync_NoStrategies_IsNoIdentifier()
    {
        var result = await Resolver<Message>(_ => { }).ResolveAsync(new Message(Host: "acme"));

        Assert.Equal(TenantResolutionStatus.NoIdentifier, result.Status);
    }

    [Fact]
    public async Task ResolveAsync_StaticStrategy_AnswersForAnyContext()
    {
        var services = Build(b => b.WithStaticStrategy("ACME"));

        var forMessage = await services.GetRequiredService<ITenantResolver<Message>>().ResolveAsync(new Message(Host: "globex"));
        var forString = await services.GetRequiredService<ITenantResolver<string>>().ResolveAsync("anything");

        Assert.Equal("acme", forMessage.Tenant?.Identifier);
        Assert.Equal("acme", forString.Tenant?.Identifier);
    }

    [Fact]
    public async Task ResolveAsync_StaticStrategy_AnswersForValueTypeContexts()
    {
        var services = Build(b => b.WithStaticStrategy("acme"));

        var result = await services.GetRequiredService<ITenantResolver<JobTicket>>().ResolveAsync(new JobTicket(42));

        Assert.Equal("acme", result.Tenant?.Identifier);
    }

    [Fact]
    public void WithStaticStrategy_InvalidIdentifier_ThrowsWhenDeclared()
    {
        var services = new ServiceCollection();

        Assert.Throws<InvalidTenantIdentifierException>(() => services.AddTenantKit(b => b.WithStaticStrategy("not valid")));
    }

    [Fact]
    public async Task ResolveAsync_StaticStrategyAfterADelegate_IsTheFallback()
    {
        var resolver = Resolver<Message>(b => b
            .WithDelegateStrategy<Message>(m => m.Header)
            .WithStaticStrategy("acme"));

        var withHeader = await resolver.ResolveAsync(new Message(Header: "globex"));
        var withoutHeader = await resolver.ResolveAsync(new Message());

        Assert.Equal(("globex", 0), (withHeader.Tenant?.Identifier, withHeader.StrategyIndex));
        Assert.Equal(("acme", 1), (withoutHeader.Tenant?.Identifier, withoutHeader.StrategyIndex));
    }

    [Fact]
    public async Task ResolveAsync_AsyncDelegateStrategy_Resolves()
    {
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(async (m, ct) =>
        {
            await Task.Yield();
            return m.Header;
        }));

        var result = await resolver.ResolveAsync(new Message(Header: "globex"));

        Assert.Equal("globex", result.Tenant?.Identifier);
    }

    [Fact]
    public async Task ResolveAsync_AsyncStrategyWithoutAnswer_GoesOnToTheNextStrategiesInOrder()
    {
        var calls = new List<string>();
        var resolver = Resolver<Message>(b => b
            .WithDelegateStrategy<Message>(async (m, ct) =>
            {
                await Task.Yield();
                lock (calls)
                {
                    calls.Add("async");
                }

                return null;
            })
            .WithDelegateStrategy<Message>(m => Record(calls, "claim", m.Claim))
            .WithDelegateStrategy<Message>(async (m, ct) =>
            {
                await Task.Yield();
                return Record(calls, "header", m.Header);
            })
            .WithDelegateStrategy<Message>(m => Record(calls, "host", m.Host)));

        var result = await resolver.ResolveAsync(new Message(Header: "globex", Host: "acme"));

        Assert.Equal(("globex", 2), (result.Tenant?.Identifier, result.StrategyIndex));
        Assert.Equal(["async", "claim", "header"], calls);
    }

    [Fact]
    public async Task ResolveAsync_AsyncStrategy_ReceivesTheCancellationToken()
    {
        using var cancel = new CancellationTokenSource();
        CancellationToken seen = default;
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>((m, ct) =>
        {
            seen = ct;
            return new ValueTask<string?>("acme");
        }));

        await resolver.ResolveAsync(new Message(), cancel.Token);

        Assert.Equal(cancel.Token, seen);
    }

    [Fact]
    public async Task ResolveAsync_StrategyInstanceAndContainerCreatedStrategy_AreUsedInOrder()
    {
        var resolver = Resolver<Message>(
            b => b.WithStrategy<Message, HeaderStrategy>().WithStrategy(new HostStrategy()),
            s => s.AddSingleton(new StrategyDependency("prefix-")));

        var result = await resolver.ResolveAsync(new Message(Header: "globex", Host: "acme"));
        var fallback = await resolver.ResolveAsync(new Message(Host: "acme"));

        Assert.Equal(("globex", 0), (result.Tenant?.Identifier, result.StrategyIndex));
        Assert.Equal(("acme", 1), (fallback.Tenant?.Identifier, fallback.StrategyIndex));
    }

    [Fact]
    public async Task ContainerCreatedStrategy_TwoProvidersFromOneCollection_EachGetsItsOwn()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<AnswerSource>();
        services.AddTenantKit(b => b
            .WithInMemoryStore(new TenantDraft("acme"), new TenantDraft("globex"))
            .WithStrategy<Message, AnswerStrategy>());
        await using var first = services.BuildServiceProvider();
        await using var second = services.BuildServiceProvider();
        first.GetRequiredService<AnswerSource>().Answer = "acme";
        second.GetRequiredService<AnswerSource>().Answer = "globex";

        var fromFirst = await first.GetRequiredService<ITenantResolver<Message>>().ResolveAsync(new Message());
        var fromSecond = await second.GetRequiredService<ITenantResolver<Message>>().ResolveAsync(new Message());

        Assert.Equal("acme", fromFirst.Tenant?.Identifier);
        Assert.Equal("globex", fromSecond.Tenant?.Identifier);
    }

    [Fact]
    public async Task ContainerCreatedStrategy_IsCreatedOnceAcrossContextTypes()
    {
        var source = new AnswerSource { Answer = "acme" };
        var services = Build(b => b.WithStrategy<object, AnswerStrategy>(), s => s.AddSingleton(source));

        var message = await services.GetRequiredService<ITenantResolver<Message>>().ResolveAsync(new Message());
        var item = await services.GetRequiredService<ITenantResolver<QueueItem>>().ResolveAsync(new QueueItem("x"));

        Assert.Equal(("acme", "acme"), (message.Tenant?.Identifier, item.Tenant?.Identifier));
        Assert.Equal(1, source.Strategies);
    }

    [Fact]
    public async Task ResolveAsync_StrategiesForAnotherContextType_AreNotUsed()
    {
        var services = Build(b => b
            .WithDelegateStrategy<QueueItem>(q => q.Tenant)
            .WithDelegateStrategy<Message>(m => m.Header));

        var message = await services.GetRequiredService<ITenantResolver<Message>>().ResolveAsync(new Message());
        var item = await services.GetRequiredService<ITenantResolver<QueueItem>>().ResolveAsync(new QueueItem("globex"));

        Assert.Equal(TenantResolutionStatus.NoIdentifier, message.Status);
        Assert.Equal(("globex", 0), (item.Tenant?.Identifier, item.StrategyIndex));
    }

    [Theory]
    [InlineData("not valid")]
    [InlineData("-acme")]
    [InlineData("acme.example.com")]
    [InlineData("acme\r\n")]
    [InlineData("bücher")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task ResolveAsync_InvalidIdentifier_IsInvalidIdentifierWithoutAStoreCall(string identifier)
    {
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Header).WithStaticStrategy("acme"));

        var result = await resolver.ResolveAsync(new Message(Header: identifier));

        Assert.Equal(TenantResolutionStatus.InvalidIdentifier, result.Status);
        Assert.Equal(0, result.StrategyIndex);
        Assert.Equal(0, _store.IdentifierLookups);
        Assert.Throws<TenantNotFoundException>(() => result.GetActiveTenant());
    }

    [Fact]
    public async Task ResolveAsync_UnknownIdentifier_IsNotFound()
    {
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Header));

        var first = await resolver.ResolveAsync(new Message(Header: "hooli"));
        var cached = await resolver.ResolveAsync(new Message(Header: "HOOLI"));

        Assert.Equal((TenantResolutionStatus.NotFound, 0), (first.Status, first.StrategyIndex));
        Assert.Equal(TenantResolutionStatus.NotFound, cached.Status);
        Assert.Equal(1, _store.IdentifierLookups);
        Assert.Throws<TenantNotFoundException>(() => first.GetActiveTenant());
    }

    [Fact]
    public async Task ResolveAsync_StoreDown_IsCatalogUnavailableNotNotFound()
    {
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Header));
        _store.FailWith(new IOException("database down"));

        var result = await resolver.ResolveAsync(new Message(Header: "acme"));

        Assert.Equal(TenantResolutionStatus.CatalogUnavailable, result.Status);
        Assert.Equal(0, result.StrategyIndex);
        var error = Assert.IsType<TenantCatalogUnavailableException>(result.Error);
        Assert.IsType<IOException>(error.InnerException);
        Assert.Same(error, Assert.Throws<TenantCatalogUnavailableException>(() => result.GetActiveTenant()));
    }

    [Fact]
    public async Task ResolveAsync_StoreDownAfterTheTenantWasCached_StillResolves()
    {
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Header));
        await resolver.ResolveAsync(new Message(Header: "acme"));
        _store.FailWith(new IOException("database down"));

        var result = await resolver.ResolveAsync(new Message(Header: "acme"));

        Assert.Equal("acme", result.Tenant?.Identifier);
    }

    [Fact]
    public async Task ResolveAsync_SuspendedTenant_IsResolvedButNotActive()
    {
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Header));

        var result = await resolver.ResolveAsync(new Message(Header: "initech"));

        Assert.True(result.IsResolved);
        Assert.False(result.Tenant.IsActive);
        var ex = Assert.Throws<TenantSuspendedException>(() => result.GetActiveTenant());
        Assert.Same(result.Tenant, ex.Tenant);
    }

    [Fact]
    public async Task GetActiveTenant_ActiveTenant_ReturnsIt()
    {
        var result = await Resolver<Message>(b => b.WithStaticStrategy("acme")).ResolveAsync(new Message());

        Assert.Same(result.Tenant, result.GetActiveTenant());
    }

    [Fact]
    public void Failed_WithResolvedStatus_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TenantResolution.Failed(TenantResolutionStatus.Resolved));
        Assert.Throws<ArgumentNullException>(() => TenantResolution.Resolved(null!, 0));
    }

    [Fact]
    public async Task ResolveAsync_CachedTenant_CompletesSynchronouslyAndAllocatesNothing()
    {
        var resolver = Resolver<Message>(b => b
            .WithDelegateStrategy<Message>(m => m.Claim)
            .WithDelegateStrategy<Message>(m => m.Header)
            .WithStaticStrategy("globex"));
        var byHeader = new Message(Header: "ACME");
        var byStatic = new Message();
        await resolver.ResolveAsync(byHeader);
        await resolver.ResolveAsync(byStatic);

        var failures = ResolveMany(resolver, byHeader, byStatic, 1_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        failures += ResolveMany(resolver, byHeader, byStatic, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task ResolveAsync_SlicedIdentifierFromAStrategy_AllocatesNothing()
    {
        var resolver = Resolver<Message>(b => b.WithStrategy(new HostStrategy()));
        var request = new Message(Host: "globex.example.com");
        await resolver.ResolveAsync(request);

        var failures = ResolveMany(resolver, request, request, 1_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        failures += ResolveMany(resolver, request, request, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task ResolveAsync_SourceStrategyWithNothingToRead_GoesOnToTheNextStrategy()
    {
        // kills: the empty-source 'continue' turned into a lookup or a stop (the delegate after it must answer)
        var source = new SourceStrategy(m => m.Header);
        var resolver = Resolver<Message>(b => b.WithStrategy(source).WithDelegateStrategy<Message>(m => m.Host));

        var result = await resolver.ResolveAsync(new Message(Header: "", Host: "globex"));

        Assert.Equal(("globex", 1), (result.Tenant?.Identifier, result.StrategyIndex));
        Assert.Equal(0, source.Extracts);
    }

    [Fact]
    public async Task ResolveAsync_SourceTextSeenBefore_IsRecalledWithoutParsingOrLookup()
    {
        // kills: the recall skipped in ResolveAsync (the strategy would parse again), its strategy index mutated, and the
        // lookup made without the source (nothing would be remembered to recall)
        var source = new SourceStrategy(m => m.Header);
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Claim).WithStrategy(source));
        await resolver.ResolveAsync(new Message(Header: "acme"));
        await resolver.ResolveAsync(new Message(Header: "acme"));
        var extracts = source.Extracts;

        var result = await resolver.ResolveAsync(new Message(Header: new string("acme".AsSpan())));

        Assert.Equal(("acme", 1), (result.Tenant?.Identifier, result.StrategyIndex));
        Assert.Equal(extracts, source.Extracts);
        Assert.Equal(1, _store.IdentifierLookups);
    }

    [Fact]
    public async Task ResolveAsync_SourceStrategyReadingSeveralValues_IsAskedThroughGetIdentifier()
    {
        // kills: a null source (several values) treated as text to extract, or as nothing to read
        var source = new SourceStrategy(m => m.Header, repeated: true);
        var resolver = Resolver<Message>(b => b.WithStrategy(source).WithStaticStrategy("acme"));

        var result = await resolver.ResolveAsync(new Message(Header: "globex"));

        Assert.Equal(("globex", 0), (result.Tenant?.Identifier, result.StrategyIndex));
        Assert.Equal(0, source.Extracts);
    }

    [Fact]
    public async Task TryResolveRecent_RecalledTextAfterAStrategyWithNothingToRead_ResolvesWithItsIndex()
    {
        // kills: the empty-source 'continue' of TryResolveRecent turned into a stop, and the recalled index mutated
        var first = new SourceStrategy(m => m.Claim);
        var second = new SourceStrategy(m => m.Header);
        var resolver = Resolver<Message>(b => b.WithStrategy(first).WithStrategy(second));
        var request = new Message(Claim: "", Header: "globex");
        await resolver.ResolveAsync(request);
        await resolver.ResolveAsync(request);

        Assert.True(resolver.TryResolveRecent(request, out var recalled));
        Assert.Equal(("globex", 1), (recalled.Tenant?.Identifier, recalled.StrategyIndex));
    }

    [Fact]
    public async Task TryResolveRecent_FirstSourceNotRecalled_DoesNotSkipToALaterStrategy()
    {
        // kills: the 'break' after a text that is not recalled turned into 'continue': the first strategy with text to
        // read decides, as ResolveAsync would
        var first = new SourceStrategy(m => m.Claim);
        var second = new SourceStrategy(m => m.Header);
        var resolver = Resolver<Message>(b => b.WithStrategy(first).WithStrategy(second));
        var byHeader = new Message(Header: "globex");
        await resolver.ResolveAsync(byHeader);
        await resolver.ResolveAsync(byHeader);
        Assert.True(resolver.TryResolveRecent(byHeader, out _));

        var both = new Message(Claim: "acme", Header: "globex");

        Assert.False(resolver.TryResolveRecent(both, out var none));
        Assert.Equal(default, none);
        Assert.Equal("acme", (await resolver.ResolveAsync(both)).Tenant?.Identifier);
    }

    [Fact]
    public async Task TryResolveRecent_AStrategyThatIsNotASourceComesFirst_IsFalse()
    {
        // kills: the 'break' on a strategy without a source turned into 'continue' (the delegate first could answer another tenant)
        var source = new SourceStrategy(m => m.Header);
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Claim).WithStrategy(source));
        var request = new Message(Header: "globex");
        await resolver.ResolveAsync(request);
        await resolver.ResolveAsync(request);

        Assert.False(resolver.TryResolveRecent(request, out _));
        Assert.False(resolver.TryResolveRecent(new Message(Claim: "acme", Header: "globex"), out _));
    }

    [Theory]
    [InlineData("not valid", TenantResolutionStatus.InvalidIdentifier)]
    [InlineData("hooli", TenantResolutionStatus.NotFound)]
    public async Task ResolveAsync_AsyncStrategyAnswer_IsClassifiedLikeASynchronousOne(string answer, TenantResolutionStatus expected)
    {
        // kills: the slow path's lookup result mutated (null tenant, the strategy index)
        var resolver = Resolver<Message>(b => b
            .WithDelegateStrategy<Message>(m => m.Claim)
            .WithDelegateStrategy<Message>(async (m, ct) =>
            {
                await Task.Yield();
                return m.Header;
            }));

        var result = await resolver.ResolveAsync(new Message(Header: answer));

        Assert.Equal((expected, 1), (result.Status, result.StrategyIndex));
    }

    [Fact]
    public async Task ResolveAsync_AsyncStrategiesWithoutAnswer_IsNoIdentifierAndCounted()
    {
        // kills: the slow path's final NoIdentifier (status, index) and its count
        var services = Build(b => b
            .WithDelegateStrategy<Message>(async (m, ct) =>
            {
                await Task.Yield();
                return null;
            })
            .WithDelegateStrategy<Message>(m => m.Header));
        using var unresolved = new UnresolvedCounter(services);

        var result = await services.GetRequiredService<ITenantResolver<Message>>().ResolveAsync(new Message());

        Assert.Equal((TenantResolutionStatus.NoIdentifier, -1), (result.Status, result.StrategyIndex));
        Assert.Equal(["NoIdentifier"], unresolved.Reasons);
    }

    [Fact]
    public async Task ResolveAsync_LookupThatWaitsOnTheStore_UnknownIsNotFoundAndCounted()
    {
        // kills: the awaited lookup's null check inverted, its index, and the NotFound count
        var services = Build(b => b.WithDelegateStrategy<Message>(m => m.Header));
        using var unresolved = new UnresolvedCounter(services);
        _store.Block();

        var pending = services.GetRequiredService<ITenantResolver<Message>>().ResolveAsync(new Message(Header: "hooli")).AsTask();
        await _store.LookupStarted.WaitAsync(TestServices.Patience);
        _store.Release();
        var result = await pending.WaitAsync(TestServices.Patience);

        Assert.Equal((TenantResolutionStatus.NotFound, 0), (result.Status, result.StrategyIndex));
        Assert.Equal(["NotFound"], unresolved.Reasons);
    }

    [Fact]
    public async Task ResolveAsync_LookupThatWaitsOnTheStore_FoundTenantIsResolved()
    {
        // kills: the awaited lookup's tenant dropped or its index mutated
        var resolver = Resolver<Message>(b => b.WithDelegateStrategy<Message>(m => m.Claim).WithDelegateStrategy<Message>(m => m.Header));
        _store.Block();

        var pending = resolver.ResolveAsync(new Message(Header: "globex")).AsTask();
        await _store.LookupStarted.WaitAsync(TestServices.Patience);
        _store.Release();
        var result = await pending.WaitAsync(TestServices.Patience);

        Assert.Equal(("globex", 1), (result.Tenant?.Identifier, result.StrategyIndex));
    }

    [Fact]
    public async Task ResolveAsync_StoreDown_TheCatalogUnavailableResolutionIsCounted()
    {
        // kills: the CatalogUnavailable count removed
        var services = Build(b => b.WithDelegateStrategy<Message>(m => m.Header));
        using var unresolved = new UnresolvedCounter(services);
        _store.FailWith(new IOException("database down"));

        await services.GetRequiredService<ITenantResolver<Message>>().ResolveAsync(new Message(Header: "acme"));

        Assert.Equal(["CatalogUnavailable"], unresolved.Reasons);
    }

    private static int ResolveMany(ITenantResolver<Message> resolver, Message a, Message b, int rounds)
    {
        var failures = 0;
        for (var i = 0; i < rounds; i++)
        {
            var first = resolver.ResolveAsync(a);
            var second = resolver.ResolveAsync(b);
            if (!first.IsCompletedSuccessfully || !first.Result.IsResolved)
            {
                failures++;
            }

            if (!second.IsCompletedSuccessfully || !second.Result.IsResolved)
            {
                failures++;
            }
        }

        return failures;
    }

    private static string? Record(List<string> calls, string name, string? answer)
    {
        lock (calls)
        {
            calls.Add(name);
        }

        return answer;
    }

    private ServiceProvider Build(Action<TenantKitBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var provider = TestServices.Build(
            b =>
            {
                b.WithStore(_ => _store);
                configure(b);
            },
            services: services);
        _providers.Add(provider);
        return provider;
    }

    private ITenantResolver<T> Resolver<T>(Action<TenantKitBuilder> configure, Action<IServiceCollection>? services = null)
        => Build(configure, services).GetRequiredService<ITenantResolver<T>>();

    public sealed record Message(string? Claim = null, string? Header = null, string? Host = null);

    /// <summary>A strategy that reads one string of the message, so the resolver asks the catalog to recall it; counts its parses.</summary>
    private sealed class SourceStrategy(Func<Message, string?> read, bool repeated = false) : ITenantSourceStrategy<Message>
    {
        private int _extracts;

        public int Extracts => Volatile.Read(ref _extracts);

        public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(Message context, CancellationToken cancellationToken)
            => new(read(context).AsMemory());

        /// <summary>The text, empty when absent; <see langword="null"/> when <c>repeated</c> (as a header sent twice).</summary>
        public string? GetSource(Message context) => repeated ? null : read(context) ?? string.Empty;

        public ReadOnlyMemory<char> Extract(string source)
        {
            Interlocked.Increment(ref _extracts);
            return source.AsMemory();
        }
    }

    /// <summary>Records the reasons of <c>tenantkit.resolution.unresolved</c> from one container's meter.</summary>
    private sealed class UnresolvedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<string?> _reasons = new();

        public UnresolvedCounter(IServiceProvider services)
        {
            var meter = services.GetRequiredService<TenantKitMetrics>().Meter;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "tenantkit.resolution.unresolved")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    _reasons.Enqueue(tag.Value?.ToString());
                }
            });
            _listener.Start();
        }

        public List<string?> Reasons => [.. _reasons];

        public void Dispose() => _listener.Dispose();
    }

    public sealed record QueueItem(string Tenant);

    public readonly record struct JobTicket(int Number);

    public sealed record StrategyDependency(string Name);

    public sealed class AnswerSource
    {
        public string? Answer { get; set; }

        public int Strategies { get; set; }
    }

    /// <summary>A container-built strategy that answers what its (per-container) dependency says.</summary>
    private sealed class AnswerStrategy : ITenantStrategy<object>
    {
        private readonly AnswerSource _source;

        public AnswerStrategy(AnswerSource source)
        {
            _source = source;
            source.Strategies++;
        }

        public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(object context, CancellationToken cancellationToken)
            => new(_source.Answer.AsMemory());
    }

    /// <summary>A strategy built by the container: proves constructor injection works.</summary>
    private sealed class HeaderStrategy(StrategyDependency dependency) : ITenantStrategy<Message>
    {
        public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(Message context, CancellationToken cancellationToken)
        {
            Assert.Equal("prefix-", dependency.Name);
            return new(context.Header.AsMemory());
        }
    }

    /// <summary>Reads the first label of a host name as a slice, the allocation-free way strategies should.</summary>
    private sealed class HostStrategy : ITenantStrategy<Message>
    {
        public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(Message context, CancellationToken cancellationToken)
        {
            var host = context.Host;
            if (host is null)
            {
                return default;
            }

            var dot = host.IndexOf('.', StringComparison.Ordinal);
            return new(dot < 0 ? host.AsMemory() : host.AsMemory(0, dot));
        }
    }
}
