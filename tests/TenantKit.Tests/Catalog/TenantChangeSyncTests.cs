using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Catalog;
using TenantKit.Runtime;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Catalog;

/// <summary>
/// Several nodes (service providers) over one store with a change log, each with its own fake clock: changes made on
/// one node reach the others when they poll, are applied as remote changes, and never twice.
/// </summary>
public sealed class TenantChangeSyncTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Fallback = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly LoggedTenantStore _store = new();
    private readonly List<SyncNode> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Poll_AfterTheInterval_AppliesAnotherNodesSuspension_AsARemoteChange()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await b.ServeAsync("acme");

        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));
        await b.AdvanceAsync(Interval);

        var remote = Assert.Single(b.Recorder.Changes, c => c.IsRemote);
        Assert.Equal((TenantChangeKind.Suspended, TenantState.Suspended, 2L), (remote.Kind, remote.Tenant!.State, remote.Tenant.Version));
        Assert.Equal(TenantState.Suspended, (await b.Catalog.FindByIdentifierAsync("acme"))!.State);
        Assert.False(b.Runtime.GetStatus(tenant.Id)!.IsResident);
    }

    [Fact]
    public async Task Poll_IsNotDueBeforeTheInterval()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await b.ServeAsync("acme");
        var reads = _store.ChangeReads;

        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));
        await b.AdvanceAsync(Interval - TimeSpan.FromSeconds(1));

        Assert.Equal(reads, _store.ChangeReads);
        Assert.DoesNotContain(b.Recorder.Changes, c => c.IsRemote);
        Assert.True(b.Runtime.GetStatus(tenant.Id)!.IsResident);
    }

    [Fact]
    public async Task Poll_OfAnotherNodesUpdate_RebuildsTheResidentTenantFromTheStoreOnce()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await b.ServeAsync("acme");
        var builds = b.Runtime.Counts.Builds;

        await a.AsHostAsync(admin => admin.UpdateAsync(tenant.Id, new TenantUpdate { Identifier = "acme-corp", Name = "Acme Corp" }, tenant.Version));
        await b.AdvanceAsync(Interval);
        await WaitAsync(() => b.Runtime.GetStatus(tenant.Id)?.Identifier == "acme-corp");

        Assert.Equal(builds + 1, b.Runtime.Counts.Builds);
        Assert.Null(await b.Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal("Acme Corp", (await b.Catalog.FindByIdentifierAsync("acme-corp"))!.Name);
        await b.AdvanceAsync(Interval);
        Assert.Equal(builds + 1, b.Runtime.Counts.Builds);
    }

    [Fact]
    public async Task OwnChange_ComingBackThroughThePoll_IsSkipped_TheTenantIsNotReloadedTwice()
    {
        var a = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await a.ServeAsync("acme");
        var builds = a.Runtime.Counts.Builds;

        await a.AsHostAsync(admin => admin.UpdateAsync(tenant.Id, new TenantUpdate { Name = "Acme Corp" }, tenant.Version));
        await WaitAsync(() => a.Runtime.Counts.Builds == builds + 1);
        await a.AdvanceAsync(Interval);

        Assert.Equal(2, a.Sync.Version);
        Assert.DoesNotContain(a.Recorder.Changes, c => c.IsRemote);
        Assert.Equal(builds + 1, a.Runtime.Counts.Builds);
    }

    [Fact]
    public async Task RemoteChange_ArrivingFromTheFeedAndThenThePoll_IsAppliedOnce()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await b.ServeAsync("acme");
        var builds = b.Runtime.Counts.Builds;
        var updated = await a.AsHostAsync(admin => admin.UpdateAsync(tenant.Id, new TenantUpdate { Name = "Acme Corp" }, tenant.Version));

        await b.Sync.ApplyRemoteAsync(new TenantChangeNotice(TenantChangeKind.Updated, tenant.Id, "acme", null, updated.Version));
        await WaitAsync(() => b.Runtime.Counts.Builds == builds + 1);
        await b.AdvanceAsync(Interval);

        Assert.Single(b.Recorder.Changes, c => c.IsRemote);
        Assert.Equal(builds + 1, b.Runtime.Counts.Builds);
    }

    [Fact]
    public async Task RemoteReload_ArrivingFromTheFeedAndThenThePoll_RebuildsOnce_AndALaterReloadAgain()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await b.ServeAsync("acme");
        var builds = b.Runtime.Counts.Builds;
        var notice = new TenantChangeNotice(TenantChangeKind.ReloadRequested, tenant.Id, "acme", null, tenant.Version);

        await a.AsHostAsync(async admin => { await admin.RequestReloadAsync(tenant.Id); return true; });
        await b.Sync.ApplyRemoteAsync(notice);
        await WaitAsync(() => b.Runtime.Counts.Builds == builds + 1);
        await b.AdvanceAsync(Interval);
        Assert.Equal(builds + 1, b.Runtime.Counts.Builds);

        // A second reload whose message was lost: the log alone brings it.
        await a.AsHostAsync(async admin => { await admin.RequestReloadAsync(tenant.Id); return true; });
        await b.AdvanceAsync(Interval);
        await WaitAsync(() => b.Runtime.Counts.Builds == builds + 2);
    }

    [Fact]
    public async Task OwnReload_ComingBackThroughThePoll_IsSkipped()
    {
        var a = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await a.ServeAsync("acme");
        var builds = a.Runtime.Counts.Builds;

        await a.AsHostAsync(async admin => { await admin.RequestReloadAsync(tenant.Id); return true; });
        await WaitAsync(() => a.Runtime.Counts.Builds == builds + 1);
        await a.AdvanceAsync(Interval);

        Assert.DoesNotContain(a.Recorder.Changes, c => c.IsRemote);
        Assert.Equal(builds + 1, a.Runtime.Counts.Builds);
    }

    [Fact]
    public async Task Poll_OfADeletion_DropsTheCachedCopyAndUnloadsTheTenant()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await b.ServeAsync("acme");

        await a.AsHostAsync(async admin => { await admin.DeleteAsync(tenant.Id); return true; });
        await b.AdvanceAsync(Interval);

        Assert.Null(await b.Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(TenantUnloadReason.Deleted, b.Runtime.GetStatus(tenant.Id)!.LastUnloadReason);
        await Assert.ThrowsAsync<TenantNotFoundException>(() => b.Runtime.AcquireAsync(tenant).AsTask());
    }

    [Fact]
    public async Task Poll_OfACreation_ReplacesTheUnknownIdentifierThisNodeRemembered()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        Assert.Null(await b.Catalog.FindByIdentifierAsync("acme"));

        await a.CreateAsync("acme");
        await b.AdvanceAsync(Interval);

        Assert.NotNull(await b.Catalog.FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task Poll_WhileTheStoreIsDown_IsLoggedAndRetried_AndCatchesUpOnceItAnswers()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await b.ServeAsync("acme");
        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));

        _store.Fail(new IOException("connection refused"));
        await b.AdvanceAsync(Interval);
        await b.AdvanceAsync(Interval);
        Assert.Single(b.Logs.Entries, e => e.Level == LogLevel.Warning && e.EventId.Id == 1101);
        Assert.True(b.Runtime.GetStatus(tenant.Id)!.IsResident);

        _store.Recover();
        await b.AdvanceAsync(Interval);

        Assert.False(b.Runtime.GetStatus(tenant.Id)!.IsResident);
        Assert.Contains(b.Logs.Entries, e => e.EventId.Id == 1103);
    }

    [Fact]
    public async Task Start_WhileTheStoreIsDown_DoesNotFail_AndTheFirstPollResynchronises()
    {
        var a = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        _store.Fail(new IOException("connection refused"));
        var b = await StartAsync();
        _store.Recover();
        await b.ServeAsync("acme");
        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));

        // The first poll only learns the version; it cannot tell what changed before, so it re-reads what b holds.
        await b.AdvanceAsync(Interval);

        Assert.False(b.Runtime.GetStatus(tenant.Id)!.IsResident);
        Assert.Equal(TenantState.Suspended, (await b.Catalog.FindByIdentifierAsync("acme"))!.State);
    }

    [Fact]
    public async Task Poll_OfATruncatedLog_DropsEveryCachedTenant_AndReReadsTheResidentOnes()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var acme = await a.CreateAsync("acme");
        var globex = await a.CreateAsync("globex");
        await a.CreateAsync("initech");
        await b.ServeAsync("acme");
        await b.ServeAsync("globex");
        await b.Catalog.FindByIdentifierAsync("initech");
        var builds = b.Runtime.Counts.Builds;

        await a.AsHostAsync(async admin => { await admin.DeleteAsync(globex.Id); return true; });
        _store.Prune();
        await b.AdvanceAsync(Interval);

        Assert.Null(b.Cache.PeekCached("initech"));
        Assert.Equal(TenantUnloadReason.Deleted, b.Runtime.GetStatus(globex.Id)!.LastUnloadReason);
        await WaitAsync(() => b.Runtime.Counts.Builds == builds + 1);
        Assert.True(b.Runtime.GetStatus(acme.Id)!.IsResident);
        Assert.Equal(await _store.GetVersionAsync(), b.Sync.Version);
    }

    [Fact]
    public async Task FeedDisconnected_PollsAtTheFallbackInterval_AndReconnected_PollsAtOnce_ThenSlowly()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var tenant = await a.CreateAsync("acme");
        await b.ServeAsync("acme");
        b.Sync.ReportFeedConnected(true);
        Assert.Equal(Interval, b.Sync.CurrentInterval);

        b.Sync.ReportFeedConnected(false);
        Assert.Equal(Fallback, b.Sync.CurrentInterval);
        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));
        await b.AdvanceAsync(Fallback);
        Assert.False(b.Runtime.GetStatus(tenant.Id)!.IsResident);

        await a.AsHostAsync(admin => admin.ResumeAsync(tenant.Id));
        b.Sync.ReportFeedConnected(true);
        await b.AdvanceAsync(TimeSpan.Zero);
        Assert.Contains(b.Recorder.Changes, c => c is { Kind: TenantChangeKind.Resumed, IsRemote: true });
        Assert.Equal(Interval, b.Sync.CurrentInterval);

        var reads = _store.ChangeReads;
        await b.AdvanceAsync(Fallback);
        Assert.Equal(reads, _store.ChangeReads);
    }

    [Fact]
    public async Task InfiniteInterval_TurnsPollingOff()
    {
        var a = await StartAsync();
        var b = await StartAsync(o => o.ChangePollInterval = Timeout.InfiniteTimeSpan);
        await a.CreateAsync("acme");
        var reads = _store.ChangeReads;

        await b.AdvanceAsync(TimeSpan.FromDays(1));

        Assert.Equal(reads, _store.ChangeReads);
    }

    [Fact]
    public async Task ApplyRemote_OfAMalformedNotice_ThrowsArgumentException()
    {
        var a = await StartAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => a.Sync.ApplyRemoteAsync(new TenantChangeNotice((TenantChangeKind)42, "t1", "acme", null, 1)).AsTask());

        Assert.Contains("kind", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => a.Sync.ApplyRemoteAsync(new TenantChangeNotice(TenantChangeKind.Updated, "t1", "../etc", null, 1)).AsTask());
    }

    [Fact]
    public async Task IdleAndCapacityUnloads_AreNeverAnnouncedOnTheFeed()
    {
        var a = await StartAsync(configureRuntime: o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(1);
            o.Capacity = 1;
        });
        await a.CreateAsync("acme");
        await a.CreateAsync("globex");
        var before = a.Recorder.Changes.Count;

        await a.ServeAsync("acme");
        await a.ServeAsync("globex");
        await WaitAsync(() => a.Runtime.Counts.Resident == 1);
        a.Time.Advance(TimeSpan.FromMinutes(2));
        a.RuntimeImpl.Sweep();

        Assert.Equal(0, a.Runtime.Counts.Resident);
        await WaitAsync(() => a.Runtime.Counts.Unloads == 2);
        Assert.Equal(before, a.Recorder.Changes.Count);
    }

    [Fact]
    public void Options_WithANonPositiveInterval_FailValidationWithOneMessage()
    {
        using var services = TestServices.Build(b => b.ConfigureCatalog(o =>
        {
            o.ChangePollInterval = TimeSpan.Zero;
            o.FallbackChangePollInterval = TimeSpan.FromSeconds(-1);
        }));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TenantCatalogOptions>>().Value);

        Assert.Contains("ChangePollInterval", error.Message, StringComparison.Ordinal);
        Assert.Contains("FallbackChangePollInterval", error.Message, StringComparison.Ordinal);
    }

    private async Task<SyncNode> StartAsync(Action<TenantCatalogOptions>? configure = null, Action<TenantRuntimeOptions>? configureRuntime = null)
    {
        var node = new SyncNode(_store, o =>
        {
            o.ChangePollInterval = Interval;
            o.FallbackChangePollInterval = Fallback;
            configure?.Invoke(o);
        }, configureRuntime);
        _nodes.Add(node);
        await node.Sync.StartAsync(CancellationToken.None);
        return node;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, "The condition did not hold in time.");
            await Task.Delay(5);
        }
    }

    private sealed class SyncNode : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        public SyncNode(LoggedTenantStore store, Action<TenantCatalogOptions> configure, Action<TenantRuntimeOptions>? configureRuntime)
        {
            _services = TestServices.Build(
                b =>
                {
                    b.WithStore(_ => store).ConfigureCatalog(configure);
                    if (configureRuntime is not null)
                    {
                        b.ConfigureRuntime(configureRuntime);
                    }
                },
                Time,
                logs: Logs);
            Recorder = new ChangeRecorder(_services.GetRequiredService<ITenantChangeFeed>());
        }

        public FakeTimeProvider Time { get; } = new(TestTenants.Epoch);

        public CapturingLoggerProvider Logs { get; } = new();

        public ChangeRecorder Recorder { get; }

        public TenantChangeSync Sync => _services.GetRequiredService<TenantChangeSync>();

        public ITenantCatalog Catalog => _services.GetRequiredService<ITenantCatalog>();

        public CachingTenantCatalog Cache => _services.GetRequiredService<CachingTenantCatalog>();

        public ITenantRuntime Runtime => _services.GetRequiredService<ITenantRuntime>();

        public TenantRuntime RuntimeImpl => _services.GetRequiredService<TenantRuntime>();

        public async Task<T> AsHostAsync<T>(Func<ITenantAdministration, ValueTask<T>> action)
        {
            using (_services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
            {
                return await action(_services.GetRequiredService<ITenantAdministration>());
            }
        }

        public Task<TenantInfo> CreateAsync(string identifier) => AsHostAsync(admin => admin.CreateAsync(new TenantDraft(identifier)));

        public async Task ServeAsync(string identifier)
        {
            var tenant = await Catalog.FindByIdentifierAsync(identifier) ?? throw new InvalidOperationException($"{identifier} is unknown.");
            (await Runtime.AcquireAsync(tenant)).Dispose();
        }

        /// <summary>Moves this node's clock, and waits for the poll it started (if any) to end.</summary>
        public async Task AdvanceAsync(TimeSpan by)
        {
            Time.Advance(by);
            await Sync.Polling.WaitAsync(Patience);
        }

        public async ValueTask DisposeAsync()
        {
            Recorder.Dispose();
            await Sync.StopAsync(CancellationToken.None);
            await _services.DisposeAsync();
            Logs.Dispose();
        }
    }
}
