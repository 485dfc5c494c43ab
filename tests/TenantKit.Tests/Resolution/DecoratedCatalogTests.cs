using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Resolution;

/// <summary>
/// A decorated <see cref="ITenantCatalog"/> (the application wraps the registered catalog, as Scrutor's <c>Decorate</c>
/// does): one that does not implement the recall contract sees every lookup, since the resolver never reads around it
/// into the caching catalog; one that forwards the contract keeps the recall.
/// </summary>
public sealed class DecoratedCatalogTests : IAsyncLifetime
{
    private readonly ControllableTenantStore _store = new(TestTenants.Create("acme"), TestTenants.Create("globex"));
    private ServiceProvider? _services;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACatalogDecoratorThatDeclinesTheRecall_SeesEveryLookup_AndRequestsStillResolve()
    {
        var decorator = (CountingCatalog)null!;
        var resolver = Build(inner => decorator = new CountingCatalog(inner));
        var acme = new Request(NewString("acme"));
        var globex = new Request(NewString("globex"));

        for (var i = 0; i < 5; i++)
        {
            Assert.False(resolver.TryResolveRecent(acme, out _));
            Assert.Equal("acme", (await resolver.ResolveAsync(acme)).Tenant?.Identifier);
            Assert.Equal("globex", (await resolver.ResolveAsync(globex)).Tenant?.Identifier);
        }

        Assert.Equal(10, decorator.Lookups);
        Assert.Equal(2, _store.IdentifierLookups);
    }

    [Fact]
    public async Task ACatalogDecoratorThatDeclinesTheRecall_ARefusalItMakes_IsNeverBypassed()
    {
        var resolver = Build(inner => new CountingCatalog(inner) { Refused = "acme" });
        var acme = new Request(NewString("acme"));

        for (var i = 0; i < 3; i++)
        {
            Assert.False(resolver.TryResolveRecent(acme, out _));
            Assert.Equal(TenantResolutionStatus.NotFound, (await resolver.ResolveAsync(acme)).Status);
        }
    }

    [Fact]
    public async Task ACatalogDecoratorThatForwardsTheRecall_KeepsTheWarmPath()
    {
        var decorator = (ForwardingCatalog)null!;
        var resolver = Build(inner => decorator = new ForwardingCatalog(inner));
        var acme = new Request(NewString("acme"));

        // From the store, then from the cache, which remembers the text.
        await resolver.ResolveAsync(acme);
        await resolver.ResolveAsync(acme);
        var lookups = decorator.Lookups;
        var recalls = decorator.Recalls;

        Assert.True(resolver.TryResolveRecent(acme, out var recalled));
        Assert.Equal("acme", recalled.Tenant?.Identifier);
        Assert.Equal("acme", (await resolver.ResolveAsync(acme)).Tenant?.Identifier);
        Assert.Equal(lookups, decorator.Lookups);
        Assert.Equal(recalls + 2, decorator.Recalls);
        Assert.True(resolver.TryResolveRecent(new Request(NewString("acme")), out _), "another string object with the same text is recalled");
        Assert.False(resolver.TryResolveRecent(new Request(NewString("globex")), out _), "a text never looked up is not recalled");
    }

    [Fact]
    public async Task ACatalogDecoratorThatForwardsTheRecall_AfterAChange_RecallsNothing()
    {
        var resolver = Build(inner => new ForwardingCatalog(inner));
        var acme = new Request(NewString("acme"));
        await resolver.ResolveAsync(acme);
        await resolver.ResolveAsync(acme);
        Assert.True(resolver.TryResolveRecent(acme, out _));

        // What a catalog change does to the cache behind the decorator.
        _services!.GetRequiredService<CachingTenantCatalog>().Invalidate("acme");

        Assert.False(resolver.TryResolveRecent(acme, out _));
    }

    private ITenantResolver<Request> Build(Func<ITenantCatalog, ITenantCatalog> decorate)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTenantKit(b => b.WithStore(_ => _store).WithStrategy(new SourceStrategy()));
        Decorate(services, decorate);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        return _services.GetRequiredService<ITenantResolver<Request>>();
    }

    /// <summary>Wraps the registered <see cref="ITenantCatalog"/>, through its public registration only.</summary>
    private static void Decorate(IServiceCollection services, Func<ITenantCatalog, ITenantCatalog> decorate)
    {
        var index = services.Select((d, i) => (d, i)).Single(x => x.d.ServiceType == typeof(ITenantCatalog)).i;
        var original = services[index];
        Assert.NotNull(original.ImplementationFactory);
        services[index] = ServiceDescriptor.Singleton<ITenantCatalog>(sp => decorate((ITenantCatalog)original.ImplementationFactory!(sp)));
    }

    /// <summary>A string equal to <paramref name="value"/> that is no other string's object, as a server reads it.</summary>
    private static string NewString(string value) => new(value.AsSpan());

    public sealed record Request(string Tenant);

    /// <summary>Reads one string, the request's tenant, so the resolver asks the catalog to recall it.</summary>
    private sealed class SourceStrategy : ITenantSourceStrategy<Request>
    {
        public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(Request context, CancellationToken cancellationToken)
            => new(context.Tenant.AsMemory());

        public string? GetSource(Request context) => context.Tenant;

        public ReadOnlyMemory<char> Extract(string source) => source.AsMemory();
    }

    /// <summary>A decorator that implements only the catalog's required members: the recall contract is declined.</summary>
    private class CountingCatalog(ITenantCatalog inner) : ITenantCatalog
    {
        private int _lookups;
        private int _recalls;

        public int Lookups => Volatile.Read(ref _lookups);

        public int Recalls => Volatile.Read(ref _recalls);

        /// <summary>An identifier this decorator answers "not found" for, whatever the catalog holds.</summary>
        public string? Refused { get; init; }

        protected ITenantCatalog Inner { get; } = inner;

        public ValueTask<TenantInfo?> FindByIdentifierAsync(ReadOnlyMemory<char> identifier, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _lookups);
            return identifier.Span.Equals(Refused, StringComparison.OrdinalIgnoreCase)
                ? new ValueTask<TenantInfo?>((TenantInfo?)null)
                : Inner.FindByIdentifierAsync(identifier, cancellationToken);
        }

        public ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default) => Inner.ListAsync(query, cancellationToken);

        protected void CountLookup() => Interlocked.Increment(ref _lookups);

        protected void CountRecall() => Interlocked.Increment(ref _recalls);
    }

    /// <summary>A decorator that forwards the recall contract to the catalog it wraps.</summary>
    private sealed class ForwardingCatalog(ITenantCatalog inner) : CountingCatalog(inner), ITenantCatalog
    {
        public ValueTask<TenantInfo?> FindByIdentifierAsync(ReadOnlyMemory<char> identifier, string source, object reader, CancellationToken cancellationToken = default)
        {
            CountLookup();
            return Inner.FindByIdentifierAsync(identifier, source, reader, cancellationToken);
        }

        public bool TryRecall(string source, object reader, [NotNullWhen(true)] out TenantInfo? tenant)
        {
            CountRecall();
            return Inner.TryRecall(source, reader, out tenant);
        }
    }
}
