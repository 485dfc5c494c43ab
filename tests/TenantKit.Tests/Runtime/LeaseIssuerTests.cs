using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

/// <summary>The lease path's guards (issue #22): what it refuses, and what a lease answers and releases.</summary>
public class LeaseIssuerTests
{
    [Fact]
    public async Task AcquireAsync_NullTenant_ThrowsArgumentNull()
    {
        // kills: the null check removed (a NullReferenceException instead).
        await using var h = RuntimeHarness.Create("acme");

        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => h.Runtime.AcquireAsync(null!).AsTask());

        Assert.Equal("tenant", error.ParamName);
    }

    [Fact]
    public async Task TryAcquireResident_SuspendedSnapshot_IsRefused_EvenWhileAGenerationServes()
    {
        // kills: the warm path not checking the snapshot's state (a suspended snapshot would get a lease).
        await using var h = RuntimeHarness.Create("acme");
        var probe = await h.TouchAsync("acme");
        var suspended = new TenantInfo("acme", "acme", "acme", state: TenantState.Suspended, version: 1);

        Assert.False(h.Runtime.TryAcquireResident(suspended, out var lease));

        Assert.False(lease.IsValid);
        Assert.Equal(0, h.Status("acme").LeasesOut);
        Assert.False(probe.IsDisposed);
    }

    [Fact]
    public async Task TryAcquireResident_SameSnapshotAsTheServingGeneration_BuildsNothing()
    {
        // kills: a snapshot as new as the generation's treated as newer (every request would start a rebuild).
        await using var h = RuntimeHarness.Create("acme");
        await h.TouchAsync("acme");
        var snapshot = await h.TenantAsync("acme");

        for (var i = 0; i < 3; i++)
        {
            Assert.True(h.Runtime.TryAcquireResident(snapshot, out var lease));
            Assert.Equal(1, lease.GenerationNumber);
            lease.Dispose();
        }

        Assert.Equal((1L, 0), (h.Runtime.Counts.Builds, h.Runtime.Counts.Building));
        Assert.Equal(1, h.Status("acme").Generation);
    }

    [Fact]
    public async Task TryAcquireResident_OlderSnapshotThanTheServingGeneration_IsServedByIt()
    {
        // kills: the version comparison reversed or made strict (an older snapshot would wait for, or build, another generation).
        await using var h = RuntimeHarness.Create("acme");
        await using (await h.Runtime.AcquireAsync(new TenantInfo("acme", "acme", "v3", version: 3)))
        {
        }

        Assert.True(h.Runtime.TryAcquireResident(new TenantInfo("acme", "acme", "v2", version: 2), out var lease));

        Assert.Equal((1L, "v3"), (lease.GenerationNumber, lease.Tenant.Name));
        Assert.Equal(1, h.Status("acme").LeasesOut);
        lease.Dispose();
        Assert.Equal((1L, 0), (h.Runtime.Counts.Builds, h.Runtime.Counts.Building));
    }

    [Fact]
    public async Task LeasesMeter_CountsLeasesOfTheWarmPath()
    {
        // kills: the warm path not counting its leases (tenantkit.runtime.leases would count only builds' callers).
        await using var h = RuntimeHarness.Create("acme");
        var meter = h.Metrics.Meter;
        var leases = new ConcurrentQueue<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "tenantkit.runtime.leases")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => leases.Enqueue(value));
        listener.Start();
        var snapshot = await h.TenantAsync("acme");
        await h.TouchAsync("acme");

        for (var i = 0; i < 3; i++)
        {
            Assert.True(h.Runtime.TryAcquireResident(snapshot, out var lease));
            lease.Dispose();
        }

        Assert.Equal([1L, 1L, 1L, 1L], leases);
    }

    [Fact]
    public async Task DisposeAsync_ReleasesTheLease()
    {
        // kills: DisposeAsync not releasing.
        await using var h = RuntimeHarness.Create("acme");
        var lease = await h.AcquireAsync("acme");
        Assert.Equal(1, h.Status("acme").LeasesOut);

        var disposal = lease.DisposeAsync();

        Assert.True(disposal.IsCompletedSuccessfully);
        Assert.Equal(0, h.Status("acme").LeasesOut);
    }

    [Fact]
    public async Task DefaultLease_DisposedEitherWay_IsHarmless_AndEveryAccessorSaysHowToGetALease()
    {
        // kills: a default lease's disposal dereferencing its missing record; an accessor answering for an empty lease.
        await using var h = RuntimeHarness.Create("acme");
        var lease = default(TenantLease);

        lease.Dispose();
        await lease.DisposeAsync();

        Assert.Null(lease.LeasedGeneration);
        Assert.Throws<InvalidOperationException>(() => lease.Tenant);
        Assert.Throws<InvalidOperationException>(() => lease.GenerationNumber);
        Assert.Throws<InvalidOperationException>(lease.CreateScope);
        Assert.Throws<InvalidOperationException>(() => lease.CreateAsyncScope());
    }

    [Fact]
    public async Task ALease_AnswersWithItsGenerationsTenantNumberAndContainer()
    {
        // kills: a lease answering for another generation than its own.
        await using var h = RuntimeHarness.Create("acme");
        await h.TouchAsync("acme");
        var tenant = await h.TenantAsync("acme");
        using (h.HostScope())
        {
            await h.Runtime.ReloadAsync(tenant);
        }

        await using var lease = await h.AcquireAsync("acme");
        var probe = lease.Services.GetRequiredService<GenerationProbe>();

        Assert.Equal(2, lease.GenerationNumber);
        Assert.Equal("acme", lease.Tenant.Identifier);
        Assert.True(lease.IsValid);
        using (var scope = lease.CreateScope())
        {
            Assert.Same(probe, scope.ServiceProvider.GetRequiredService<GenerationProbe>());
        }

        await using (var scope = lease.CreateAsyncScope())
        {
            Assert.Same(probe, scope.ServiceProvider.GetRequiredService<GenerationProbe>());
        }
    }
}
