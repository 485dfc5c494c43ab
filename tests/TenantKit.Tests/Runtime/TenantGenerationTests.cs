using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

/// <summary>
/// One generation's own rules (issue #22): it drains once whoever asks again, a release on any lease record stamps its
/// last access and reports its last lease, and the new-generation policy is asked once per snapshot.
/// </summary>
public class TenantGenerationTests
{
    [Fact]
    public async Task ABuildThatFinished_ServesFromAnActiveGeneration_AndItsWarmPathHandsOutLeases()
    {
        // kills: Activate not moving the generation to Active; TryLease's refusal test negated; TryLease answering
        // false after taking a lease. Each made every acquire loop (a hang); here the status and the warm path say so.
        await using var h = RuntimeHarness.Create("acme");
        var snapshot = await h.TenantAsync("acme");
        var first = h.Runtime.AcquireAsync(snapshot).AsTask();
        await Eventually.UntilAsync(() => h.Runtime.Counts.Builds >= 1, "the build finished");

        Assert.Equal((true, false), (h.Status("acme").IsResident, h.Status("acme").IsBuilding));
        Assert.True(h.Runtime.TryAcquireResident(snapshot, out var warm));
        Assert.Equal(1, warm.GenerationNumber);
        warm.Dispose();
        (await first.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        Assert.Equal((1L, 0), (h.Runtime.Counts.Builds, h.Status("acme").LeasesOut));
    }

    [Fact]
    public async Task AGenerationAlreadyDraining_AskedToDrainAgain_StartsNoSecondDrain_AndEndsDisposedOnce()
    {
        // As when a reload or an idle unload races an unload that got there first.
        // kills: BeginDrain / TryBeginDrainIfUnleased / TryDrainOrMarkForCapacity starting a second drain (reason,
        // drain time, unload hooks and unload count overwritten or doubled); the disposal not recorded in the
        // generation's state, or not reported to WaitForUnloadAsync.
        await using var h = RuntimeHarness.Create("acme");
        var lease = await h.AcquireAsync("acme");
        var generation = lease.LeasedGeneration!;
        var probe = lease.Services.GetRequiredService<GenerationProbe>();
        using (h.HostScope())
        {
            Assert.True(h.Runtime.Unload("acme"));
        }

        h.Time.Advance(TimeSpan.FromMinutes(1));

        generation.BeginDrain(TenantUnloadReason.Reload);
        Assert.False(generation.TryBeginDrainIfUnleased(TenantUnloadReason.Idle));
        Assert.Equal(CapacityVerdict.NotServing, generation.TryDrainOrMarkForCapacity(mark: true));

        var status = h.Status("acme");
        Assert.Equal((1, (DateTimeOffset?)RuntimeHarness.Epoch), (status.DrainingLeases, status.DrainingSince));
        Assert.Equal((TenantUnloadReason.Requested, 1L), (generation.UnloadReason, generation.Number));
        Assert.Equal(1, h.Runtime.Counts.Draining);
        var unloaded = h.PublicRuntime.WaitForUnloadAsync("acme");

        lease.Dispose();
        await probe.WaitDisposedAsync();
        await unloaded.WaitAsync(TimeSpan.FromSeconds(3)); // Completed with the disposal, not later.
        Assert.Equal(TenantGenerationState.Disposed, generation.State);
        Assert.Equal((1, 1), (probe.Unloadings, probe.Disposals));
        Assert.Equal(1, h.Runtime.Counts.Unloads);
    }

    [Fact]
    public async Task AnUnleasedGeneration_IsDisposedRightAfterItsUnloadHooks_AndADrainAskedTwiceDisposesItOnce()
    {
        // kills: the drain of a generation unloaded with no lease out waiting for a release that never comes (a hang
        // before); BeginDrain's "already draining" test negated.
        await using var h = RuntimeHarness.Create("acme");
        TenantGeneration generation;
        GenerationProbe probe;
        await using (var lease = await h.AcquireAsync("acme"))
        {
            generation = lease.LeasedGeneration!;
            probe = lease.Services.GetRequiredService<GenerationProbe>();
        }

        using (h.HostScope())
        {
            Assert.True(h.Runtime.Unload("acme"));
        }

        generation.BeginDrain(TenantUnloadReason.Idle);
        Assert.Equal(TenantUnloadReason.Requested, generation.UnloadReason);
        await Eventually.UntilAsync(() => probe.Unloadings == 1, "the unload hook ran");
        await probe.WaitDisposedAsync(seconds: 3);
        await h.PublicRuntime.WaitForUnloadAsync("acme").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((1, 1), (probe.Unloadings, probe.Disposals));
        Assert.Equal(1, h.Runtime.Counts.Unloads);
        Assert.Equal(TenantUnloadReason.Requested, h.Status("acme").LastUnloadReason);
    }

    [Fact]
    public async Task Leases_OnAResidentTenant_AllocateNothing_NotTheFirstOfAGeneration_NorAThirdOneOnceItsSparesExist()
    {
        // kills: the first lease taken on a spare record instead of a primary one (a spare pool made for every
        // generation); the spare pool made again for every lease past the second.
        await using var h = RuntimeHarness.Create("acme");
        var snapshot = await h.TenantAsync("acme");
        await h.TouchAsync("acme");
        Assert.True(h.Runtime.TryAcquireResident(snapshot, out var warmUp)); // Every method of the warm path has run.
        warmUp.Dispose();
        using (h.HostScope())
        {
            await h.Runtime.ReloadAsync(snapshot); // A new generation, built with no caller: never leased yet.
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(h.Runtime.TryAcquireResident(snapshot, out var first));
        first.Dispose();
        var firstLease = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(h.Runtime.TryAcquireResident(snapshot, out var a));
        Assert.True(h.Runtime.TryAcquireResident(snapshot, out var b));
        Assert.True(h.Runtime.TryAcquireResident(snapshot, out var c)); // Makes the spare records.
        c.Dispose();
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(h.Runtime.TryAcquireResident(snapshot, out var third));
        third.Dispose();
        var thirdLease = GC.GetAllocatedBytesForCurrentThread() - before;
        a.Dispose();
        b.Dispose();

        Assert.Equal((2L, 0L, 0L), (first.GenerationNumber, firstLease, thirdLease));
        Assert.Equal(0, h.Status("acme").LeasesOut);
    }

    [Fact]
    public async Task ALeaseOnASpareRecord_ReleasedLast_StartsTheIdleClockAtItsRelease()
    {
        // kills: ReleaseSpare not stamping the last access (the idle clock would start at the earlier release).
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.ConfigureRuntime(o => o.IdleTimeout = TimeSpan.FromMinutes(10)));
        var first = await h.AcquireAsync("acme");
        var second = await h.AcquireAsync("acme");
        var spare = await h.AcquireAsync("acme"); // Both primary records are out: this one is a spare.
        first.Dispose();
        second.Dispose();

        h.Time.Advance(TimeSpan.FromMinutes(8));
        spare.Dispose();
        h.Time.Advance(TimeSpan.FromMinutes(5));

        var status = h.Status("acme");
        Assert.True(status.IsResident);
        Assert.Equal(RuntimeHarness.Epoch + TimeSpan.FromMinutes(8), status.LastAccess);
        Assert.Equal(TimeSpan.FromMinutes(5), status.IdleTimeLeft);
    }

    [Fact]
    public async Task TenantKeptPastTheCapacity_WhoseLastLeaseIsASpare_IsUnloadedWhenThatLeaseIsReleased()
    {
        // kills: ReleaseSpare not reporting the last lease (the tenant would stay past the capacity).
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), b => b.ConfigureRuntime(o =>
        {
            o.Capacity = 1;
            o.IdleTimeout = Timeout.InfiniteTimeSpan;
        }));
        var first = await h.AcquireAsync("a");
        var second = await h.AcquireAsync("a");
        var spare = await h.AcquireAsync("a");
        var other = await h.AcquireAsync("b"); // Past the cap: "a" is leased, so it is kept and marked.
        Assert.Equal(2, h.Runtime.Counts.Resident);

        first.Dispose();
        second.Dispose();
        Assert.True(h.IsResident("a")); // A lease is still out.
        spare.Dispose();

        Assert.False(h.IsResident("a"));
        Assert.Equal(TenantUnloadReason.Capacity, h.Status("a").LastUnloadReason);
        Assert.Equal(1, h.Runtime.Counts.Resident);
        other.Dispose();
    }

    [Fact]
    public async Task TheNewGenerationPolicy_IsAskedOncePerSnapshot_NotOncePerRequest()
    {
        // kills: MustWaitFor not keeping its answer for the last snapshot (the application's policy asked per request).
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = new ConcurrentQueue<(long, long)>();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .ConfigureRuntime(o => o.RequiresNewGeneration = (previous, current) =>
            {
                asked.Enqueue((previous.Version, current.Version));
                return false;
            })
            .OnTenantActivated(async (tenant, _, _) =>
            {
                if (tenant.Version == 2)
                {
                    entered.TrySetResult();
                    await open.Task;
                }
            }));
        await h.TouchAsync("acme");
        using (h.HostScope())
        {
            await h.Administration.UpdateAsync("acme", new TenantUpdate { Name = "Acme Corp" }, 1);
        }

        var v2 = await h.TenantAsync("acme");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(h.Runtime.TryAcquireResident(v2, out var lease));
            Assert.Equal(1, lease.GenerationNumber);
            lease.Dispose();
        }

        Assert.Equal([(1L, 2L)], asked);
        open.TrySetResult();
    }
}
