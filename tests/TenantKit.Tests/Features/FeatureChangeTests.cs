using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Catalog;
using TenantKit.Features;
using TenantKit.Tests.Runtime;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Features;

/// <summary>
/// Issue #17, point 3: a feature change takes effect without a restart and without dropping a request: a new generation
/// is built with the new set, in-flight requests finish on the old one, and the change reaches other nodes.
/// </summary>
public class FeatureChangeTests
{
    [Fact]
    public async Task EnablingAFeature_BuildsANewGeneration_WhileAnInFlightRequestFinishesOnTheOldOne()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = FeatureContainerTests.Create();

        // An in-flight request on the old generation (acme, free: no reports).
        var inFlight = await h.AcquireAsync("acme");
        var request = Task.Run(async () =>
        {
            await using (inFlight)
            {
                entered.SetResult();
                await gate.Task;
                return inFlight.Services.GetService<FeatureContainerTests.ReportService>() is null
                    && !inFlight.Services.GetRequiredService<ITenantFeatures>().IsEnabled("reports");
            }
        });
        await entered.Task;

        using (h.HostScope())
        {
            await h.Services.GetRequiredService<ITenantFeatureAdministration>().EnableFeatureAsync("acme", "reports", enableDependencies: true);
        }

        // A new request waits for (and gets) the new generation with the feature, while the old lease is still out.
        var acme = await h.TenantAsync("acme");
        await using (var next = await h.Runtime.AcquireAsync(acme).AsTask().WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.Equal(2, next.GenerationNumber);
            Assert.NotNull(next.Services.GetService<FeatureContainerTests.ReportService>());
            Assert.True(next.Services.GetRequiredService<ITenantFeatures>().IsEnabled("reports"));
            Assert.False(request.IsCompleted);
        }

        gate.SetResult();
        Assert.True(await request.WaitAsync(TimeSpan.FromSeconds(10)));
        await h.Runtime.WaitForUnloadAsync(acme.Id).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, h.Probes.All.Single(p => p.Tenant.Version == 1).DisposedInUse);
    }

    [Fact]
    public async Task FeatureChangeOnNodeA_ReachesNodeB_ThroughTheChangeLog_AndNodeBRebuildsWithTheFeature()
    {
        var store = new LoggedTenantStore(TestTenants.Create("acme", id: "acme", properties: new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "free" }));
        var clockA = new FakeTimeProvider(TestTenants.Epoch);
        var clockB = new FakeTimeProvider(TestTenants.Epoch);
        await using var a = Node(store, clockA);
        await using var b = Node(store, clockB);
        var syncA = a.GetRequiredService<TenantChangeSync>();
        var syncB = b.GetRequiredService<TenantChangeSync>();
        await syncA.StartAsync(CancellationToken.None);
        await syncB.StartAsync(CancellationToken.None);
        try
        {
            var acme = (await b.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!;
            await using (var before = await b.GetRequiredService<ITenantRuntime>().AcquireAsync(acme))
            {
                Assert.False(before.Services.GetRequiredService<ITenantFeatures>().IsEnabled("reports"));
            }

            using (a.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
            {
                await a.GetRequiredService<ITenantFeatureAdministration>().SetPlanAsync("acme", "pro");
            }

            clockB.Advance(TimeSpan.FromSeconds(30));
            await syncB.Polling.WaitAsync(TimeSpan.FromSeconds(10));
            var changed = await WaitForAsync(async () =>
                await b.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme") is { Version: 2 } t ? t : null);

            await using var after = await b.GetRequiredService<ITenantRuntime>().AcquireAsync(changed);
            Assert.True(after.Services.GetRequiredService<ITenantFeatures>().IsEnabled("reports"));
            Assert.NotNull(after.Services.GetService<FeatureContainerTests.ReportService>());
            Assert.Equal(2, after.GenerationNumber);
        }
        finally
        {
            await syncA.StopAsync(CancellationToken.None);
            await syncB.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task FeatureChangeOnNodeA_ReachesNodeB_ThroughADistributedChangeFeed_WithoutPolling()
    {
        var store = new LoggedTenantStore(TestTenants.Create("acme", id: "acme", properties: new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "free" }));
        var clock = new FakeTimeProvider(TestTenants.Epoch);
        await using var a = Node(store, clock);
        await using var b = Node(store, clock);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // What TenantKit.Redis does between processes: A's local changes are applied on B as remote notices.
        var syncB = b.GetRequiredService<ITenantChangeSync>();
        using var bridge = a.GetRequiredService<ITenantChangeFeed>().Subscribe(change =>
        {
            if (!change.IsRemote)
            {
                _ = Task.Run(async () =>
                {
                    await syncB.ApplyRemoteAsync(TenantChangeNotice.From(change));
                    arrived.TrySetResult();
                });
            }
        });
        var runtimeB = b.GetRequiredService<ITenantRuntime>();
        var before = (await b.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!;
        await using (var old = await runtimeB.AcquireAsync(before))
        {
            Assert.False(old.Services.GetRequiredService<ITenantFeatures>().IsEnabled("reports"));
        }

        using (a.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            await a.GetRequiredService<ITenantFeatureAdministration>().EnableFeatureAsync("acme", "reports", enableDependencies: true);
        }

        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var changed = (await b.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!;
        await using var lease = await runtimeB.AcquireAsync(changed);
        Assert.Equal(2, changed.Version);
        Assert.True(lease.Services.GetRequiredService<ITenantFeatures>().IsEnabled("reports"));
        Assert.Equal(2, lease.GenerationNumber);
    }

    private static ServiceProvider Node(LoggedTenantStore store, TimeProvider time)
        => TestServices.Build(
            b => b
                .WithStore(_ => store)
                .ConfigureCatalog(o => o.ChangePollInterval = TimeSpan.FromSeconds(30))
                .AddFeature("exports", f => f.ConfigureServices(s => s.AddSingleton<FeatureContainerTests.ExportService>()))
                .AddFeature("reports", f => f.DependsOn("exports").ConfigureServices(s => s.AddSingleton<FeatureContainerTests.ReportService>()))
                .AddPlan("free")
                .AddPlan("pro", "reports"),
            time);

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "The change did not arrive in time.");
            await Task.Yield();
        }
    }
}
