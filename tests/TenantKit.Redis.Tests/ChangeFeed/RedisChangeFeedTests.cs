using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace TenantKit.Redis.Tests.ChangeFeed;

/// <summary>Two nodes (two service providers) over one SQLite catalog and one real redis-server.</summary>
public sealed class RedisChangeFeedTests : IAsyncLifetime
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private readonly string _catalog = Node.NewCatalog();
    private readonly string _channel = "tenantkit:test:" + Guid.NewGuid().ToString("N");
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Suspend_OnOneNode_ReachesTheOtherNodesFeedAndCatalogWithinOneSecond()
    {
        await using var a = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        var tenant = await a.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await b.ServeAsync("acme");

        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));

        await Wait.UntilAsync(() => b.Changes.Any(c => c is { Kind: TenantChangeKind.Suspended, IsRemote: true, Tenant.State: TenantState.Suspended }), Second, "node B's feed announces the suspension");
        Assert.Equal(TenantState.Suspended, (await b.Catalog.FindByIdentifierAsync("acme"))!.State);
        Assert.False(b.Runtime.GetStatus(tenant.Id)!.IsResident);
    }

    [Fact]
    public async Task Update_Delete_AndReload_OnOneNode_AreAppliedOnTheOther()
    {
        await using var a = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        var tenant = await a.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await b.ServeAsync("acme");
        var builds = b.Runtime.Counts.Builds;

        await a.AsHostAsync(admin => admin.UpdateAsync(tenant.Id, new TenantUpdate { Identifier = "acme-corp" }, tenant.Version));
        await Wait.UntilAsync(() => b.Runtime.GetStatus(tenant.Id)?.Identifier == "acme-corp", Long, "node B rebuilt the renamed tenant");
        Assert.Null(await b.Catalog.FindByIdentifierAsync("acme"));
        Assert.Equal(builds + 1, b.Runtime.Counts.Builds);

        await a.AsHostAsync(async admin =>
        {
            await admin.RequestReloadAsync(tenant.Id);
            return true;
        });
        await Wait.UntilAsync(() => b.Runtime.Counts.Builds == builds + 2, Long, "node B rebuilt the tenant on the reload request");

        await a.AsHostAsync(async admin =>
        {
            await admin.DeleteAsync(tenant.Id);
            return true;
        });
        await Wait.UntilAsync(async () => await b.Catalog.FindByIdentifierAsync("acme-corp") is null && b.Runtime.GetStatus(tenant.Id)?.IsResident == false, Long, "node B forgot the deleted tenant");
    }

    [Fact]
    public async Task OwnChange_ComingBackThroughPolling_DoesNotReloadTheTenantTwice()
    {
        // Node A polls the change log on a fake clock: a poll runs when the test moves the clock, not after some real time.
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var poll = TimeSpan.FromMinutes(1);
        await using var a = await Node.StartAsync(_catalog, _redis.Configuration, _channel, o => o.ChangePollInterval = poll, time: time);
        // A node on another channel: A hears of its changes through the change log only.
        await using var elsewhere = await Node.StartAsync(_catalog, _redis.Configuration, _channel + ":elsewhere");
        var tenant = await a.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await a.ServeAsync("acme");
        var builds = a.Runtime.Counts.Builds;

        var updated = await a.AsHostAsync(admin => admin.UpdateAsync(tenant.Id, new TenantUpdate { Name = "Acme Corp" }, tenant.Version));
        await Wait.UntilAsync(() => a.Runtime.Counts.Builds == builds + 1, Long, "the local update rebuilt the tenant");

        // A marker logged after the update: once A's poll has applied it, that poll (or an earlier one) read A's own
        // change from the log, and skipped it.
        var changes = a.Changes.Count;
        var marker = await elsewhere.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("marker")));
        time.Advance(poll);
        await Wait.UntilAsync(() => a.Changes.Any(c => c.IsRemote && c.TenantId == marker.Id), Long, "node A's poll applies the marker");

        Assert.Equal(marker.Id, Assert.Single(a.Changes.Skip(changes), c => c.IsRemote).TenantId);
        Assert.Equal((builds + 1, 0), (a.Runtime.Counts.Builds, a.Runtime.Counts.Building));
        Assert.Equal(updated.Version, (await a.ServeAsync("acme")).Version);
    }

    [Fact]
    public async Task MalformedMessages_AreDropped_AndTheNodeGoesOnApplyingValidOnes()
    {
        await using var a = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        var tenant = await a.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await b.ServeAsync("acme");
        await using var raw = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var channel = RedisChannel.Literal(_channel);
        string[] garbage =
        [
            "not json",
            "{}",
            "[1,2,3]",
            """{"v":2,"node":"x","kind":"Suspended","id":"t","identifier":"acme","version":1}""",
            """{"v":1,"node":"x","kind":"Exploded","id":"t","identifier":"acme","version":1}""",
            """{"v":1,"node":"x","kind":"2","id":"t","identifier":"acme","version":1}""",
            $$"""{"v":1,"node":"x","kind":"Suspended","id":"{{tenant.Id}}","identifier":"ACME/../x","version":1}""",
            """{"v":1,"node":"","kind":"Suspended","id":"t","identifier":"acme","version":1}""",
            """{"v":1,"node":"x","kind":"Suspended","id":"t","identifier":"acme","version":-3}""",
            """{"v":1,"node":"x","kind":"Suspended","id":"t","identifier":"acme","version":"seven"}""",
            "{\"v\":1,\"node\":\"x\",\"kind\":\"Suspended\",\"id\":\"t\",\"identifier\":\"acme\",\"version\":1,\"pad\":\"" + new string('x', 5000) + "\"}",
        ];
        foreach (var message in garbage)
        {
            await raw.GetSubscriber().PublishAsync(channel, Encoding.UTF8.GetBytes(message));
        }

        await raw.GetSubscriber().PublishAsync(channel, new byte[] { 0xFF, 0xFE, 0x00 });

        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));

        await Wait.UntilAsync(() => b.Changes.Any(c => c is { Kind: TenantChangeKind.Suspended, IsRemote: true }), Long, "the valid message after the malformed ones is applied");
        // (The creation may reach B after B read the tenant itself, and be applied: it is not one of the malformed.)
        Assert.Single(b.Changes, c => c.IsRemote && c.Kind != TenantChangeKind.Created);
        Assert.Equal(HealthStatus.Healthy, (await b.HealthAsync()).Status);
    }

    [Fact]
    public async Task ForgedMessage_CarriesNoTrustedData_TheTenantIsReReadFromTheStore()
    {
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        var tenant = await b.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await b.ServeAsync("acme");
        await using var raw = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);

        // Another node claims the tenant was suspended at version 99; the store says it is active at version 1.
        await raw.GetSubscriber().PublishAsync(
            RedisChannel.Literal(_channel),
            Encoding.UTF8.GetBytes($$"""{"v":1,"node":"intruder","kind":"Suspended","id":"{{tenant.Id}}","identifier":"acme","previous":null,"version":99}"""));

        await Wait.UntilAsync(() => b.Changes.Any(c => c.IsRemote), Long, "the forged message is handled");
        var applied = Assert.Single(b.Changes, c => c.IsRemote);
        Assert.Equal((TenantChangeKind.Resumed, TenantState.Active, 1L), (applied.Kind, applied.Tenant!.State, applied.Tenant.Version));
        Assert.True((await b.Catalog.FindByIdentifierAsync("acme"))!.IsActive);
        Assert.True(b.Runtime.GetStatus(tenant.Id)!.IsResident);
    }

    [Fact]
    public async Task RedisDown_NodesReportDegraded_AndPollingCatchesUpAChange_ThenRedisBack_Healthy()
    {
        // Node B polls on a fake clock: its fallback poll runs when the test moves the clock, not after some real time.
        // (Redis itself goes down and comes back in real time.)
        var fallback = TimeSpan.FromSeconds(2);
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var a = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration, _channel, o => o.FallbackChangePollInterval = fallback, time: time);
        var tenant = await a.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await b.ServeAsync("acme");
        Assert.Equal(HealthStatus.Healthy, (await b.HealthAsync()).Status);

        await _redis.StopAsync();
        await Wait.UntilAsync(async () => (await b.HealthAsync()).Status == HealthStatus.Degraded, Long, "node B reports the feed degraded");
        var degraded = await b.HealthAsync();
        Assert.Contains("polling", degraded.Description, StringComparison.Ordinal);

        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));
        // Redis is down and B's poll is not due: B cannot know yet. Then the poll falls due.
        Assert.True(b.Runtime.GetStatus(tenant.Id)!.IsResident);
        time.Advance(fallback);
        await Wait.UntilAsync(async () => (await b.Catalog.FindByIdentifierAsync("acme"))!.State == TenantState.Suspended && !b.Runtime.GetStatus(tenant.Id)!.IsResident, Long, "node B caught the suspension up by polling");

        await _redis.RestartAsync();
        await Wait.UntilAsync(async () => (await a.HealthAsync()).Status == HealthStatus.Healthy && (await b.HealthAsync()).Status == HealthStatus.Healthy, Long, "both nodes reconnect");
    }

    [Fact]
    public async Task RedisLostAndBack_TheNodeSaysSoInItsConnectedGaugeAndItsLogs()
    {
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration, _channel, o => o.FallbackChangePollInterval = TimeSpan.FromSeconds(5));
        using var gauge = new ConnectedGauge(b);
        Assert.Equal(1, gauge.Read());
        var beforeLoss = b.Logs.Entries.Count;

        await _redis.StopAsync();
        await Wait.UntilAsync(async () => (await b.HealthAsync()).Status == HealthStatus.Degraded, Long, "node B sees Redis gone");
        Assert.Equal(0, gauge.Read());
        // 6002: the Redis feed lost its connection; 1108: the catalog falls back to polling the change log.
        await Wait.UntilAsync(() => b.Logs.Ids(LogLevel.Warning, beforeLoss).Count >= 2, Long, "node B logs the loss");
        Assert.Equal([1108, 6002], b.Logs.Ids(LogLevel.Warning, beforeLoss).Order());
        var beforeReturn = b.Logs.Entries.Count;

        await _redis.RestartAsync();
        await Wait.UntilAsync(async () => (await b.HealthAsync()).Status == HealthStatus.Healthy, Long, "node B reconnects");
        Assert.Equal(1, gauge.Read());
        // 6001: the Redis feed is connected again; 1107: the catalog catches up on the change log at once. No warning.
        await Wait.UntilAsync(() => b.Logs.Ids(LogLevel.Information, beforeReturn).Count >= 2, Long, "node B logs the return");
        Assert.Equal([1107, 6001], b.Logs.Ids(LogLevel.Information, beforeReturn).Order());
        Assert.Empty(b.Logs.Ids(LogLevel.Warning, beforeReturn));
    }

    [Fact]
    public async Task RedisRestarted_TheNodeCatchesUpAtOnce_OnAChangeItsMessageMissed()
    {
        // No polling at all while disconnected: only the catch-up on reconnection can bring the change.
        await using var a = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        var tenant = await a.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await b.ServeAsync("acme");

        await _redis.StopAsync();
        await Wait.UntilAsync(async () => (await b.HealthAsync()).Status == HealthStatus.Degraded, Long, "node B sees Redis gone");
        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));
        Assert.True(b.Runtime.GetStatus(tenant.Id)!.IsResident);

        await _redis.RestartAsync();

        await Wait.UntilAsync(() => b.Changes.Any(c => c is { Kind: TenantChangeKind.Suspended, IsRemote: true }), Long, "node B catches up once Redis is back");
        Assert.False(b.Runtime.GetStatus(tenant.Id)!.IsResident);
        await Wait.UntilAsync(async () => (await a.HealthAsync()).Status == HealthStatus.Healthy && (await b.HealthAsync()).Status == HealthStatus.Healthy, Long, "both nodes report the feed healthy again");

        // Messages flow again (polling is off: only Redis can bring this one).
        await a.AsHostAsync(admin => admin.ResumeAsync(tenant.Id));
        await Wait.UntilAsync(() => b.Changes.Any(c => c is { Kind: TenantChangeKind.Resumed, IsRemote: true }), Second, "node B hears of the resumption through Redis");
    }

    [Fact]
    public async Task NodeStartedWhileRedisIsDown_Serves_ReportsDegraded_AndConnectsWhenRedisComesUp()
    {
        await _redis.StopAsync();
        await using var a = await Node.StartAsync(_catalog, _redis.Configuration, _channel, waitForRedis: false);
        // Short timeouts: node B's start-up warning comes when its first attempt (connect, then subscribe) gives up,
        // about 10 s after start with the defaults.
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration + ",connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000", _channel, waitForRedis: false);
        var tenant = await a.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await b.ServeAsync("acme");
        var degraded = await b.HealthAsync();
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        using var gauge = new ConnectedGauge(b);
        Assert.Equal(0, gauge.Read());
        // 6003: started without a connection, polling until Redis answers.
        await Wait.UntilAsync(() => b.Logs.Ids(LogLevel.Warning).Contains(6003), Long, "node B logs that it started without Redis");

        await _redis.RestartAsync();
        await Wait.UntilAsync(async () => (await a.HealthAsync()).Status == HealthStatus.Healthy && (await b.HealthAsync()).Status == HealthStatus.Healthy, Long, "both nodes connect");
        Assert.Equal(1, gauge.Read());
        Assert.Contains(6001, b.Logs.Ids(LogLevel.Information));
        await a.AsHostAsync(admin => admin.SuspendAsync(tenant.Id));

        await Wait.UntilAsync(() => b.Changes.Any(c => c is { Kind: TenantChangeKind.Suspended, IsRemote: true }), Second, "node B hears of the suspension through Redis");
    }

    [Fact]
    public async Task LocalUnload_StaysLocal_NothingIsPublished()
    {
        await using var a = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        await using var b = await Node.StartAsync(_catalog, _redis.Configuration, _channel);
        var tenant = await a.AsHostAsync(admin => admin.CreateAsync(new TenantDraft("acme")));
        await a.ServeAsync("acme");
        await b.ServeAsync("acme");
        var before = b.Changes.Count;

        using (a.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            Assert.True(a.Runtime.Unload(tenant.Id));
        }

        // A marker change after the unload: once it has arrived, anything published before it would have too.
        await a.AsHostAsync(admin => admin.UpdateAsync(tenant.Id, new TenantUpdate { Name = "Marker" }, tenant.Version));
        // (Wait for the marker itself: the creation may also arrive remotely, before or after `before` was read.)
        await Wait.UntilAsync(() => b.Changes.Skip(before).Any(c => c is { IsRemote: true, Kind: TenantChangeKind.Updated }), Long, "the marker arrives");
        // (The creation may reach B after B read the tenant itself: that one is not about the unload.)
        Assert.Equal([TenantChangeKind.Updated], b.Changes.Skip(before).Where(c => c.Kind != TenantChangeKind.Created).Select(c => c.Kind));
        Assert.True(b.Runtime.GetStatus(tenant.Id)!.IsResident);
    }
}
