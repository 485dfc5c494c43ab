using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

/// <summary>Operators and shutdown code await a tenant's drains instead of polling the status (issue #15, point 6).</summary>
public class WaitForUnloadTests
{
    [Fact]
    public async Task WaitForUnloadAsync_AfterAnUnloadWithALeaseOut_CompletesOnlyWhenTheLastLeaseIsReleasedAndTheGenerationDisposed()
    {
        await using var h = RuntimeHarness.Create("acme");
        var held = await h.AcquireAsync("acme");
        var probe = held.Services.GetRequiredService<GenerationProbe>();
        using (h.HostScope())
        {
            Assert.True(h.PublicRuntime.Unload("acme"));
        }

        var unloaded = h.PublicRuntime.WaitForUnloadAsync("acme");
        Assert.False(unloaded.IsCompleted); // The lease holds the generation: it cannot be disposed yet.

        held.Dispose();
        await unloaded.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, probe.Disposals);
        Assert.Equal((0, null), (h.Status("acme").DrainingLeases, h.Status("acme").DrainingSince));
        Assert.Equal(0, h.Runtime.Counts.Draining);
        Assert.Equal(1, h.Runtime.Counts.Unloads);
    }

    [Fact]
    public async Task WaitForUnloadAsync_NothingDraining_CompletesAtOnce()
    {
        await using var h = RuntimeHarness.Create("acme");
        await h.TouchAsync("acme");

        Assert.True(h.PublicRuntime.WaitForUnloadAsync("acme").IsCompletedSuccessfully);
        Assert.True(h.PublicRuntime.WaitForUnloadAsync("unknown").IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitForUnloadAsync_BuildCancelledByAnUnload_WaitsForTheDiscardedGenerationsDisposal()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builds = 0;
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.OnTenantActivated(async (_, _, _) =>
        {
            if (Interlocked.Increment(ref builds) == 1)
            {
                entered.SetResult();
                await open.Task;
            }
        }));
        var waiting = h.AcquireAsync("acme");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using (h.HostScope())
        {
            h.PublicRuntime.Unload("acme");
        }

        var unloaded = h.PublicRuntime.WaitForUnloadAsync("acme");
        Assert.False(unloaded.IsCompleted);

        open.SetResult();
        await unloaded.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, h.Probes.For("acme")[0].Disposals);
        (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task WaitForUnloadAsync_Cancelled_StopsWaitingWhileTheDrainGoesOn()
    {
        await using var h = RuntimeHarness.Create("acme");
        var held = await h.AcquireAsync("acme");
        using (h.HostScope())
        {
            h.PublicRuntime.Unload("acme");
        }

        using var cancel = new CancellationTokenSource();
        var unloaded = h.PublicRuntime.WaitForUnloadAsync("acme", cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => unloaded);
        Assert.Equal(1, h.Status("acme").DrainingLeases);
        held.Dispose();
        await h.PublicRuntime.WaitForUnloadAsync("acme").WaitAsync(TimeSpan.FromSeconds(10));
    }
}
