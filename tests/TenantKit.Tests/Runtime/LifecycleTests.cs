using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TenantKit.Tests.Runtime;

public class LifecycleTests
{
    [Fact]
    public async Task OnTenantActivated_RunsInTheTenantContextBeforeTheFirstLease()
    {
        TenantContext? seen = null;
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .ConfigureTenantServices((_, s) => s.AddSingleton<WarmCache>())
            .OnTenantActivated((tenant, services, _) =>
            {
                seen = services.GetRequiredService<ITenantContextAccessor>().Current;
                services.GetRequiredService<WarmCache>().Warm = tenant.Identifier;
                return ValueTask.CompletedTask;
            }));

        await using var lease = await h.AcquireAsync("acme");

        Assert.Equal("acme", lease.Services.GetRequiredService<WarmCache>().Warm);
        Assert.Equal("acme", seen?.Tenant?.Identifier);
        Assert.Null(h.Context.Current);
    }

    [Fact]
    public async Task OnTenantActivated_Throws_FailsTheBuildAndDisposesTheHalfBuiltContainer()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .OnTenantActivated((_, _, _) => throw new InvalidOperationException("migration failed")));

        var ex = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("acme"));

        Assert.Equal("migration failed", ex.InnerException?.Message);
        var probe = Assert.Single(h.Probes.For("acme"));
        Assert.Equal(1, probe.Disposals);
        Assert.Equal(0, probe.Unloadings);
        Assert.False(h.IsResident("acme"));
        Assert.Equal((false, false, true), (h.Status("acme").IsResident, h.Status("acme").IsBuilding, h.Status("acme").LastError is not null));
        Assert.Equal(0, h.Runtime.Counts.Resident);
    }

    [Fact]
    public async Task OnTenantUnloading_RunsWithTheTenantsServicesBeforeDisposal()
    {
        var unloading = new TaskCompletionSource<(string Tenant, bool Disposed, string? Context)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .OnTenantUnloading((tenant, services, _) =>
            {
                var probe = services.GetRequiredService<GenerationProbe>();
                var context = services.GetRequiredService<ITenantContextAccessor>().Current;
                unloading.TrySetResult((tenant.Identifier, probe.IsDisposed, context?.Tenant?.Identifier));
                return ValueTask.CompletedTask;
            }));
        var probe = await h.TouchAsync("acme");

        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        var seen = await unloading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(("acme", false, "acme"), seen);
        await probe.WaitDisposedAsync();
    }

    [Fact]
    public async Task OnTenantUnloading_Throws_IsLoggedAndTheGenerationIsStillDisposed()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .OnTenantUnloading((_, _, _) => throw new InvalidOperationException("flush failed")));
        var probe = await h.TouchAsync("acme");

        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        await probe.WaitDisposedAsync();
        await Eventually.UntilAsync(() => h.Logs.WithEventId(3007).Count == 1, "the failing hook is logged");
        Assert.Equal("flush failed", h.Logs.WithEventId(3007)[0].Exception?.Message);
    }

    [Fact]
    public async Task TenantHostedService_StartsBeforeTheFirstLease_AndStopsOnUnloadBeforeDisposal()
    {
        var events = new ConcurrentQueue<string>();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme", "beta"), b => b
            .ConfigureTenantServices((tenant, s) =>
            {
                s.AddSingleton(events);
                s.AddHostedService<TenantWorker>();
            }));

        await using (var lease = await h.AcquireAsync("acme"))
        {
            var worker = Assert.IsType<TenantWorker>(Assert.Single(lease.Services.GetServices<IHostedService>()));
            Assert.True(worker.Started);
            Assert.Equal(["start acme"], events);
        }

        await h.TouchAsync("beta");
        Assert.Equal(["start acme", "start beta"], events);

        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        await h.Probes.For("acme")[0].WaitDisposedAsync();
        Assert.Equal(["start acme", "start beta", "stop acme", "dispose acme"], events);
    }

    [Fact]
    public async Task TenantHostedService_FailsToStart_FailsTheBuildAndStopsTheOnesStarted()
    {
        var events = new ConcurrentQueue<string>();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .ConfigureTenantServices((_, s) =>
            {
                s.AddSingleton(events);
                s.AddHostedService<TenantWorker>();
                s.AddHostedService<FailingWorker>();
            }));

        var ex = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("acme"));

        Assert.Equal("cannot start", ex.InnerException?.Message);
        Assert.Equal(["start acme", "stop acme", "dispose acme"], events);
    }

    [Fact]
    public async Task TenantHostedService_SlowToStop_IsGivenUpOnAfterTheStopTimeout()
    {
        var stopTimeout = TimeSpan.FromSeconds(7);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .ConfigureRuntime(o => o.HostedServiceStopTimeout = stopTimeout)
            .ConfigureTenantServices((_, s) => s.AddHostedService<StuckWorker>()));
        var probe = await h.TouchAsync("acme");

        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        await h.Time.WaitForTimersAsync(stopTimeout);
        Assert.False(probe.IsDisposed);
        h.Time.Advance(stopTimeout);

        await probe.WaitDisposedAsync();
        await Eventually.UntilAsync(() => h.Logs.WithEventId(3006).Count == 1, "the stuck hosted service is logged");
    }

    [Fact]
    public async Task HostStopAsync_DrainsAndDisposesEveryTenant()
    {
        var events = new ConcurrentQueue<string>();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b", "c"), b => b
            .ConfigureTenantServices((_, s) =>
            {
                s.AddSingleton(events);
                s.AddHostedService<TenantWorker>();
            }));
        await h.StartAsync();
        await h.TouchAsync("a");
        await h.TouchAsync("b");
        await h.TouchAsync("c");

        await h.StopAsync();

        // StopAsync returns only once every generation is stopped and disposed.
        Assert.All(h.Probes.All, p => Assert.Equal(1, p.Disposals));
        Assert.All(h.Probes.All, p => Assert.Equal(1, p.Unloadings));
        Assert.Equal(3, h.Probes.All.Count);
        Assert.Equal(3, events.Count(e => e.StartsWith("stop ", StringComparison.Ordinal)));
        Assert.Equal(0, h.Runtime.Counts.Resident);
        Assert.Equal(0, h.Runtime.Counts.Draining);
        Assert.Empty(h.Runtime.GetStatuses());
        Assert.All(["a", "b", "c"], id => Assert.Equal(TenantUnloadReason.Shutdown, h.Status(id).LastUnloadReason));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.AcquireAsync("a"));
    }

    [Fact]
    public async Task HostStopAsync_WaitsForALeaseHeldDuringShutdown()
    {
        await using var h = RuntimeHarness.Create("acme");
        await h.StartAsync();
        var lease = await h.AcquireAsync("acme");
        var probe = lease.Services.GetRequiredService<GenerationProbe>();

        var stopping = h.StopAsync();
        await Eventually.UntilAsync(() => probe.Unloadings == 1, "shutdown began draining");
        Assert.False(stopping.IsCompleted);
        Assert.False(probe.IsDisposed);

        lease.Dispose();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, probe.Disposals);
    }

    [Fact]
    public async Task HostHostedServices_AreNotCarriedIntoTenants()
    {
        var hostStarts = 0;
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b"),
            services: s => s.AddSingleton(new HostWorkerCounter(() => Interlocked.Increment(ref hostStarts))).AddHostedService<HostWorker>());
        await h.StartAsync();

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        Assert.Equal(1, hostStarts);
        Assert.Empty(a.Services.GetServices<IHostedService>());
        Assert.Empty(b.Services.GetServices<IHostedService>());
    }

    private sealed class WarmCache
    {
        public string? Warm { get; set; }
    }

    private sealed class TenantWorker(TenantInfo tenant, ConcurrentQueue<string> events) : IHostedService, IDisposable
    {
        public bool Started { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            events.Enqueue($"start {tenant.Identifier}");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            events.Enqueue($"stop {tenant.Identifier}");
            return Task.CompletedTask;
        }

        public void Dispose() => events.Enqueue($"dispose {tenant.Identifier}");
    }

    private sealed class FailingWorker : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("cannot start");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class StuckWorker : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private sealed class HostWorkerCounter(Action started)
    {
        public void Started() => started();
    }

    private sealed class HostWorker(HostWorkerCounter counter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            counter.Started();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
