using System.Threading.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TenantKit.RateLimiting;

namespace TenantKit.Redis.Tests.RateLimiting;

/// <summary>
/// Per-tenant budgets counted in a real redis-server by two "nodes" (two containers, two connections): the budget is
/// shared, partitions and applications are apart, and while Redis is down each node counts in its own memory, says so
/// (log and health), and goes back to Redis when it answers again. Windows are a day long so no test straddles two.
/// </summary>
public sealed class RedisRateLimitTests : IAsyncLifetime
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task TwoNodes_ShareOneTenantsBudget_AndRefuseWithTheTimeLeftInTheWindow()
    {
        await using var a = Node(_redis.Configuration, out _);
        await using var b = Node(_redis.Configuration, out _);
        using var onA = Factory(a).CreateFixedWindow("id-acme", 5, Day, queueLimit: 0);
        using var onB = Factory(b).CreateFixedWindow("id-acme", 5, Day, queueLimit: 0);

        var leases = new List<RateLimitLease>();
        for (var i = 0; i < 12; i++)
        {
            leases.Add(await (i % 2 == 0 ? onA : onB).AcquireAsync(1));
        }

        Assert.Equal(5, leases.Count(l => l.IsAcquired));
        var refused = leases.First(l => !l.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromMilliseconds(1), Day);
    }

    [Fact]
    public async Task OneTenantsSpentBudget_LeavesAnotherTenantsAndAnotherApplicationsWhole()
    {
        await using var node = Node(_redis.Configuration, out _);
        await using var otherApp = Node(_redis.Configuration, out _, keyPrefix: "other-app");
        using var acme = Factory(node).CreateFixedWindow("id-acme", 2, Day, 0);
        using var globex = Factory(node).CreateFixedWindow("id-globex", 2, Day, 0);
        using var acmeElsewhere = Factory(otherApp).CreateFixedWindow("id-acme", 2, Day, 0);

        for (var i = 0; i < 3; i++)
        {
            (await acme.AcquireAsync(1)).Dispose();
        }

        Assert.False((await acme.AcquireAsync(1)).IsAcquired);
        Assert.True((await globex.AcquireAsync(1)).IsAcquired);
        Assert.True((await acmeElsewhere.AcquireAsync(1)).IsAcquired);
    }

    [Fact]
    public async Task AttemptAcquire_NeverDecidesWithoutRedis_SoTheMiddlewareAsksAsynchronously()
    {
        await using var node = Node(_redis.Configuration, out _);
        using var limiter = Factory(node).CreateFixedWindow("id-acme", 1, Day, 0);

        using var attempt = limiter.AttemptAcquire(1);

        Assert.False(attempt.IsAcquired);
        Assert.Empty(attempt.MetadataNames);
        Assert.True((await limiter.AcquireAsync(1)).IsAcquired);
    }

    [Fact]
    public async Task RedisDown_EachNodeCountsItsOwnBudget_LogsItOnce_AndHealthIsDegraded_ThenRedisCountsAgain()
    {
        await using var a = Node(_redis.Configuration, out var logsA);
        await using var b = Node(_redis.Configuration, out _);
        using var onA = Factory(a).CreateFixedWindow("id-acme", 3, Day, 0);
        using var onB = Factory(b).CreateFixedWindow("id-acme", 3, Day, 0);
        Assert.True((await onA.AcquireAsync(1)).IsAcquired);
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync(a)).Status);

        await _redis.StopAsync();
        var downA = new List<bool>();
        var downB = new List<bool>();
        for (var i = 0; i < 5; i++)
        {
            downA.Add((await onA.AcquireAsync(1)).IsAcquired);
            downB.Add((await onB.AcquireAsync(1)).IsAcquired);
        }

        // Per node: 3 each, whatever Redis had counted before it went down.
        Assert.Equal([true, true, true, false, false], downA);
        Assert.Equal([true, true, true, false, false], downB);
        Assert.Single(logsA.Entries, e => e.EventId.Id == 6101);
        var degraded = await HealthAsync(a);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("own memory", degraded.Description, StringComparison.Ordinal);

        await _redis.RestartAsync();
        await Wait.UntilAsync(() => Connected(a) && Connected(b), TimeSpan.FromSeconds(15), "both nodes reconnect to Redis");

        // The restarted Redis counts from zero, for both nodes together.
        var after = new List<bool>();
        for (var i = 0; i < 4; i++)
        {
            after.Add((await (i % 2 == 0 ? onA : onB).AcquireAsync(1)).IsAcquired);
        }

        Assert.Equal([true, true, true, false], after);
        Assert.Contains(logsA.Entries, e => e.EventId.Id == 6102);
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync(a)).Status);
    }

    [Fact]
    public async Task UseRedisRateLimits_RegistersTheFactoryTheTenantLimiterLooksFor()
    {
        await using var node = Node(_redis.Configuration, out _);

        var factory = node.GetRequiredService<ITenantRateLimiterFactory>();

        Assert.Equal("RedisRateLimiterFactory", factory.GetType().Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateFixedWindow("id-acme", 0, Day, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateFixedWindow("id-acme", 1, TimeSpan.Zero, 0));
    }

    private static ServiceProvider Node(string redis, out CapturedLogs logs, string keyPrefix = "tenantkit:ratelimit")
    {
        var captured = new CapturedLogs();
        logs = captured;
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(captured).SetMinimumLevel(LogLevel.Information));
        services.AddTenantKit(t => t.UseRedisRateLimits(redis, o => o.KeyPrefix = keyPrefix));
        services.AddHealthChecks().AddTenantKitRedisRateLimits();
        return services.BuildServiceProvider();
    }

    private static ITenantRateLimiterFactory Factory(IServiceProvider node) => node.GetRequiredService<ITenantRateLimiterFactory>();

    private static bool Connected(IServiceProvider node)
        => HealthAsync(node).GetAwaiter().GetResult().Status == HealthStatus.Healthy;

    private static async Task<HealthReportEntry> HealthAsync(IServiceProvider node)
    {
        var report = await node.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["tenantkit-rate-limits"];
    }
}
