using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantKit.Tests.Runtime;

public class LeaseTests
{
    [Fact]
    public async Task Unload_WhileLeased_DisposesOnlyAfterTheLastRelease_ExactlyOnce()
    {
        await using var h = RuntimeHarness.Create("acme");
        var first = await h.AcquireAsync("acme");
        var second = await h.AcquireAsync("acme");
        var probe = first.Services.GetRequiredService<GenerationProbe>();

        using (h.HostScope())
        {
            Assert.True(h.Runtime.Unload("acme"));
        }

        Assert.False(h.IsResident("acme"));
        await Eventually.UntilAsync(() => probe.Unloadings == 1, "the unload hook ran");
        Assert.False(probe.IsDisposed);
        using (var scope = first.CreateScope())
        {
            Assert.Same(probe, scope.ServiceProvider.GetRequiredService<GenerationProbe>());
        }

        first.Dispose();
        Assert.False(probe.IsDisposed);
        second.Dispose();
        await probe.WaitDisposedAsync();
        Assert.Equal(1, probe.Disposals);
        Assert.Equal(1, probe.Unloadings);
        await h.Runtime.WaitForUnloadAsync("acme").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, h.Runtime.Counts.Draining);
        Assert.Equal(1, h.Runtime.Counts.Unloads);
    }

    [Fact]
    public async Task Unload_NotResidentTenant_ReturnsFalse()
    {
        await using var h = RuntimeHarness.Create("acme");

        using (h.HostScope())
        {
            Assert.False(h.Runtime.Unload("acme"));
        }
    }

    [Fact]
    public async Task AcquireAsync_AfterUnloadWhileOldLeaseIsOut_GetsANewGeneration()
    {
        await using var h = RuntimeHarness.Create("acme");
        var old = await h.AcquireAsync("acme");
        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        await using (var fresh = await h.AcquireAsync("acme"))
        {
            Assert.Equal(2, fresh.GenerationNumber);
            Assert.NotSame(old.Services, fresh.Services);
        }

        old.Dispose();
        await h.Probes.For("acme")[0].WaitDisposedAsync();
        Assert.False(h.Probes.For("acme")[1].IsDisposed);
    }

    [Fact]
    public async Task Dispose_Twice_ThrowsAndLeavesTheCountIntact()
    {
        await using var h = RuntimeHarness.Create("acme");
        var lease = await h.AcquireAsync("acme");
        lease.Dispose();

        var ex = Assert.Throws<InvalidOperationException>(lease.Dispose);

        Assert.Contains("released more than once", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Status("acme").LeasesOut);
        await using var again = await h.AcquireAsync("acme");
        Assert.Equal(1, again.GenerationNumber);
        Assert.Equal(1, h.Status("acme").LeasesOut);
    }

    [Fact]
    public async Task DisposeAsync_Twice_Throws()
    {
        await using var h = RuntimeHarness.Create("acme");
        var lease = await h.AcquireAsync("acme");
        await lease.DisposeAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => lease.DisposeAsync().AsTask());
    }

    [Fact]
    public async Task Dispose_TwiceOnADrainedGeneration_ThrowsAndDisposesOnce()
    {
        await using var h = RuntimeHarness.Create("acme");
        var lease = await h.AcquireAsync("acme");
        var probe = lease.Services.GetRequiredService<GenerationProbe>();
        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        lease.Dispose();
        Assert.Throws<InvalidOperationException>(lease.Dispose);

        await probe.WaitDisposedAsync();
        Assert.Equal(1, probe.Disposals);
        Assert.Equal(1, probe.Unloadings);
    }

    [Fact]
    public void DefaultLease_IsInvalid_AndSaysHowToGetOne()
    {
        var lease = default(TenantLease);

        Assert.False(lease.IsValid);
        var ex = Assert.Throws<InvalidOperationException>(() => lease.Services);
        Assert.Contains("AcquireAsync", ex.Message, StringComparison.Ordinal);
        lease.Dispose(); // Harmless.
    }

    [Fact]
    public async Task Drain_PastDrainTimeout_LogsAWarningWithTheLeasesStillOut()
    {
        var drainTimeout = TimeSpan.FromSeconds(45);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.ConfigureRuntime(o => o.DrainTimeout = drainTimeout));
        var first = await h.AcquireAsync("acme");
        var second = await h.AcquireAsync("acme");
        var probe = first.Services.GetRequiredService<GenerationProbe>();
        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        await h.Time.WaitForTimersAsync(drainTimeout);
        h.Time.Advance(drainTimeout);

        await Eventually.UntilAsync(() => h.Logs.WithEventId(3004).Count == 1, "the slow drain is logged");
        var warning = h.Logs.WithEventId(3004)[0];
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("acme", warning.Message, StringComparison.Ordinal);
        Assert.Contains("2 lease(s) still out", warning.Message, StringComparison.Ordinal);
        Assert.False(probe.IsDisposed);

        // It keeps waiting (and warning) until the leases come back; only then is it disposed.
        first.Dispose();
        await h.Time.WaitForTimersAsync(drainTimeout, count: 2);
        h.Time.Advance(drainTimeout);
        await Eventually.UntilAsync(() => h.Logs.WithEventId(3004).Count == 2, "the slow drain is logged again");
        Assert.Contains("1 lease(s) still out", h.Logs.WithEventId(3004)[1].Message, StringComparison.Ordinal);
        Assert.False(probe.IsDisposed);

        second.Dispose();
        await probe.WaitDisposedAsync();
        Assert.Equal(1, probe.Disposals);
    }
}
