using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TenantKit.Tests.Runtime;

/// <summary>One test per runtime bug fixed, named after what broke. Shutdown bugs are covered in <see cref="LifecycleTests"/>.</summary>
public class RuntimeRegressionTests
{
    [Fact]
    public async Task HostSingletonRegisteredBeforeAnInstanceOfTheSameType_IsForwardedAsItsOwnInstance()
    {
        // The template resolved a lone forwarded singleton with GetService, which answers the last registration: here
        // the instance registered after it, so tenants got the instance twice and never the factory's singleton.
        var first = new Numbered(1);
        var second = new Numbered(2);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton(_ => first).AddSingleton(second));

        await using var a = await h.AcquireAsync("a");

        Assert.Equal([1, 2], a.Services.GetServices<Numbered>().Select(n => n.Value));
        Assert.Same(second, a.Services.GetRequiredService<Numbered>());
    }

    [Fact]
    public async Task HostSingletonRegisteredBeforeAScopedOneOfTheSameType_IsForwardedAsTheHostsSingleton()
    {
        var first = new Numbered(1);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a"), services: s => s.AddSingleton(_ => first).AddScoped(_ => new Numbered(2)));

        await using var a = await h.AcquireAsync("a");
        using var scope = a.CreateScope();

        Assert.Equal([1, 2], scope.ServiceProvider.GetServices<Numbered>().Select(n => n.Value));
        Assert.Same(first, scope.ServiceProvider.GetServices<Numbered>().First());
    }

    [Fact]
    public async Task HostStoppedAgainAfterItsContainerWasDisposed_StopsWithoutObjectDisposedException()
    {
        // WebApplicationFactory stops the host while the application's own app.Run() stops and disposes it: the
        // runtime's hosted service was asked to stop after the container was gone, resolved the runtime from it, and threw.
        await using var h = RuntimeHarness.Create("acme");
        await h.StartAsync();
        await h.TouchAsync("acme");
        var hosted = h.Services.GetServices<IHostedService>().Single(s => s.GetType().Name == "TenantRuntimeHostedService");
        var runtime = h.Runtime;
        await h.StopAsync();
        await ((IAsyncDisposable)h.Services).DisposeAsync();

        await hosted.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TenantUnloadReason.Shutdown, runtime.GetStatus("acme")?.LastUnloadReason);
    }

    [Fact]
    public async Task HostUnloadDuringABuild_CallersWaitingForThatBuild_AreServedNotToldTheRuntimeIsShuttingDown()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var activations = 0;
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.OnTenantActivated(async (_, _, _) =>
        {
            if (Interlocked.Increment(ref activations) == 1)
            {
                await gate.Task;
            }
        }));
        var waiting = h.AcquireAsync("acme");
        await Eventually.UntilAsync(() => h.Runtime.Counts.Building == 1 && activations == 1, "the first build is in its hook");

        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        gate.SetResult();

        // The build that began before the unload is discarded; the caller gets a fresh one.
        await using var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, lease.GenerationNumber);
        var discarded = h.Probes.For("acme")[0];
        await discarded.WaitDisposedAsync();
        Assert.Equal(1, discarded.Unloadings);
        Assert.False(h.Probes.For("acme")[1].IsDisposed);
    }

    [Fact]
    public async Task ConcurrentCapacityChecks_UnloadOnlyTheExcess()
    {
        const int Capacity = 4;
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants(12), b => b.ConfigureRuntime(o =>
        {
            o.Capacity = Capacity;
            o.IdleTimeout = Timeout.InfiniteTimeSpan;
        }));
        for (var round = 0; round < 40; round++)
        {
            // Hold leases while loading so no check runs early, then let two checks race for the same excess.
            var leases = new List<TenantLease>();
            for (var i = 0; i < 12; i++)
            {
                leases.Add(await h.AcquireAsync($"t{i:000}"));
                h.Time.Advance(TimeSpan.FromMilliseconds(1));
            }

            foreach (var lease in leases)
            {
                lease.Dispose();
            }

            using var start = new Barrier(2);
            var checks = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                h.Runtime.EnforceCapacity();
            })).ToArray();
            await Task.WhenAll(checks);

            Assert.Equal(Capacity, h.Runtime.Counts.Resident);
        }
    }

    [Fact]
    public async Task NewerSnapshotWhoseBuildFails_DoesNotRebuildOnEveryRequest()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .ConfigureRuntime(o => o.BuildRetryDelay = TimeSpan.FromSeconds(10))
            .ConfigureTenantServices((tenant, _) =>
            {
                if (tenant.Version == 2)
                {
                    throw new InvalidOperationException("v2 is broken");
                }
            }));
        await h.TouchAsync("acme");
        var newer = new TenantInfo("acme", "acme", "v2", version: 2);

        // The first request with the newer snapshot is served by generation 1 and starts the rebuild, which fails.
        (await h.Runtime.AcquireAsync(newer)).Dispose();
        await Eventually.UntilAsync(() => h.Runtime.Counts is { FailedBuilds: 1, Building: 0 }, "the rebuild failed");

        for (var i = 0; i < 20; i++)
        {
            await using var lease = await h.Runtime.AcquireAsync(newer);
            Assert.Equal(1, lease.GenerationNumber);
            Assert.Equal(0, h.Runtime.Counts.Building);
        }

        Assert.Equal(1, h.Runtime.Counts.FailedBuilds);

        // After the back-off, the next request tries again.
        h.Time.Advance(TimeSpan.FromSeconds(10));
        (await h.Runtime.AcquireAsync(newer)).Dispose();
        await Eventually.UntilAsync(() => h.Runtime.Counts is { FailedBuilds: 2, Building: 0 }, "the rebuild was retried");
    }

    [Fact]
    public async Task SnapshotResolvedBeforeASuspension_CannotBuildTheTenantBackIntoMemory()
    {
        await using var h = RuntimeHarness.Create("acme");
        var probe = await h.TouchAsync("acme");
        var stale = await h.TenantAsync("acme");

        using (h.HostScope())
        {
            await h.Administration.SuspendAsync("acme");
        }

        await Assert.ThrowsAsync<TenantSuspendedException>(() => h.Runtime.AcquireAsync(stale).AsTask());
        Assert.False(h.IsResident("acme"));
        Assert.Equal(1, h.Runtime.Counts.Builds);
        await probe.WaitDisposedAsync();

        // Resumed (a newer version): served again, even from the old snapshot's successor.
        TenantInfo resumed;
        using (h.HostScope())
        {
            resumed = await h.Administration.ResumeAsync("acme");
        }

        await using var lease = await h.Runtime.AcquireAsync(resumed);
        Assert.Equal(3, lease.Tenant.Version);
    }

    [Fact]
    public async Task SnapshotResolvedBeforeASuspension_OfANonResidentTenant_IsRefused()
    {
        await using var h = RuntimeHarness.Create("acme");
        await h.StartAsync(); // The runtime follows the change feed from host start.
        var stale = await h.TenantAsync("acme");

        using (h.HostScope())
        {
            await h.Administration.SuspendAsync("acme");
        }

        await Assert.ThrowsAsync<TenantSuspendedException>(() => h.Runtime.AcquireAsync(stale).AsTask());
        Assert.Equal(0, h.Runtime.Counts.Builds);
        Assert.Null(h.Runtime.GetStatus("acme"));
        await Assert.ThrowsAsync<TenantSuspendedException>(() => h.Executor.RunAsync("acme", (_, _) => Task.CompletedTask));
    }

    [Fact]
    public async Task SnapshotResolvedBeforeADeletion_CannotBuildTheTenantBackIntoMemory()
    {
        await using var h = RuntimeHarness.Create("acme");
        await h.TouchAsync("acme");
        var stale = await h.TenantAsync("acme");

        using (h.HostScope())
        {
            await h.Administration.DeleteAsync("acme");
        }

        var ex = await Assert.ThrowsAsync<TenantNotFoundException>(() => h.Runtime.AcquireAsync(stale).AsTask());
        Assert.Equal("acme", ex.Key);
        Assert.False(h.IsResident("acme"));
        Assert.Equal(TenantUnloadReason.Deleted, h.Status("acme").LastUnloadReason);
    }

    [Fact]
    public async Task GenerationNumbers_ContinueAfterTheTenantLeftMemory()
    {
        await using var h = RuntimeHarness.Create("acme");
        for (var expected = 1; expected <= 3; expected++)
        {
            await using (var lease = await h.AcquireAsync("acme"))
            {
                Assert.Equal(expected, lease.GenerationNumber);
                Assert.Equal(expected, h.Status("acme").Generation);
            }

            using (h.HostScope())
            {
                h.Runtime.Unload("acme");
            }

            Assert.Equal(expected, h.Status("acme").Generation);
        }
    }

    [Fact]
    public async Task ReloadedGeneration_WithASlowWarmUp_StartsItsIdleClockWhenItServes()
    {
        var idle = TimeSpan.FromMinutes(10);
        RuntimeHarness? harness = null;
        await using var h = harness = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .ConfigureRuntime(o => o.IdleTimeout = idle)
            .OnTenantActivated((_, sp, _) =>
            {
                if (sp.GetRequiredService<TenantInfo>().Name == "slow")
                {
                    harness!.Time.Advance(TimeSpan.FromMinutes(15)); // A long warm-up (migrations).
                }

                return ValueTask.CompletedTask;
            }));
        await h.TouchAsync("acme");

        using (h.HostScope())
        {
            await h.Runtime.ReloadAsync(new TenantInfo("acme", "acme", "slow", version: 2));
        }

        var status = h.Status("acme");
        Assert.True(status.IsResident);
        Assert.Equal(2, status.Generation);
        Assert.Equal(idle, status.IdleTimeLeft);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(h.IsResident("acme"));
    }

    [Fact]
    public async Task EagerTenantSuspendedWhileItBuilds_DoesNotFailHostStart()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b", "c"), b => b
            .ConfigureRuntime(o => o.LoadingPolicy = TenantLoadingPolicy.Eager)
            .OnTenantActivated(async (tenant, sp, _) =>
            {
                if (tenant.Id == "b")
                {
                    // The hook runs as tenant b, which may not act as the host: the host suspends b from its own flow.
                    Task suspend;
                    using (ExecutionContext.SuppressFlow())
                    {
                        suspend = Task.Run(async () =>
                        {
                            using (sp.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
                            {
                                await sp.GetRequiredService<ITenantAdministration>().SuspendAsync("b");
                            }
                        });
                    }

                    await suspend;
                }
            }));

        await h.StartAsync();

        Assert.True(h.IsResident("a"));
        Assert.True(h.IsResident("c"));
        Assert.False(h.IsResident("b"));
        Assert.Contains(h.Logs.WithEventId(3009), e => e.Exception is TenantSuspendedException);
    }

    [Fact]
    public async Task BuildCancelledByShutdown_LeavesNoFailedTenantInTheStatusAfterStop()
    {
        // The stress test found t041 in GetStatuses() after stop: shutdown cancels a build, the cancelled build was
        // counted as a failure, and a slot that backs off after a failure was never forgotten (not even by shutdown).
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.OnTenantActivated(async (_, _, token) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
        }));
        var waiting = h.AcquireAsync("acme");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await h.Runtime.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        Assert.Empty(h.Runtime.GetStatuses());
        Assert.Equal(0, h.Runtime.Counts.Building);
        Assert.Empty(h.Logs.WithEventId(3002));
    }

    [Fact]
    public async Task TenantBackingOffAfterAFailedBuild_IsForgottenByShutdown()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.OnTenantActivated((_, _, _) => throw new InvalidOperationException("broken")));
        await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("acme"));
        Assert.Equal((false, false, true), (h.Status("acme").IsResident, h.Status("acme").IsBuilding, h.Status("acme").LastError is not null));

        await h.Runtime.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(h.Runtime.GetStatuses());
    }

    private sealed record Numbered(int Value);
}
