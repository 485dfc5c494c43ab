using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

public class ReloadTests
{
    [Fact]
    public async Task Updated_BuildsANewGeneration_OldOneDrainsUntilItsLastLease()
    {
        await using var h = RuntimeHarness.Create("acme");
        var old = await h.AcquireAsync("acme");
        var oldProbe = old.Services.GetRequiredService<GenerationProbe>();

        using (h.HostScope())
        {
            await h.Administration.UpdateAsync("acme", new TenantUpdate { Name = "Acme Corp" }, expectedVersion: 1);
        }

        await Eventually.UntilAsync(() => h.Status("acme").Generation == 2, "the new generation serves");
        await using (var fresh = await h.AcquireAsync("acme"))
        {
            Assert.Equal(2, fresh.GenerationNumber);
            Assert.Equal("Acme Corp", fresh.Tenant.Name);
            Assert.Equal("Acme Corp", fresh.Services.GetRequiredService<TenantInfo>().Name);
        }

        // The old generation is still in use: it drains, but it is not disposed.
        Assert.Equal(1, old.GenerationNumber);
        Assert.Equal("acme", old.Tenant.Name);
        await Eventually.UntilAsync(() => oldProbe.Unloadings == 1, "the old generation's unload hook ran");
        Assert.False(oldProbe.IsDisposed);
        Assert.Equal(1, h.Runtime.Counts.Draining);
        using (var scope = old.CreateScope())
        {
            Assert.Same(oldProbe, scope.ServiceProvider.GetRequiredService<GenerationProbe>());
        }

        old.Dispose();
        await oldProbe.WaitDisposedAsync();
        Assert.Equal(1, oldProbe.Disposals);
        Assert.Equal(TenantUnloadReason.Reload, h.Status("acme").LastUnloadReason);
        Assert.True(h.IsResident("acme"));
        Assert.False(h.Probes.For("acme")[1].IsDisposed);
    }

    [Fact]
    public async Task ReloadRequested_SameVersion_BuildsANewGeneration()
    {
        await using var h = RuntimeHarness.Create("acme");
        var first = await h.TouchAsync("acme");

        using (h.HostScope())
        {
            await h.Administration.RequestReloadAsync("acme");
        }

        await Eventually.UntilAsync(() => h.Status("acme").Generation == 2, "the new generation serves");
        await first.WaitDisposedAsync();
        await using var lease = await h.AcquireAsync("acme");
        Assert.Equal(2, lease.GenerationNumber);
        Assert.Equal(1, lease.Tenant.Version);
    }

    [Fact]
    public async Task ReloadAsync_InHostScope_CompletesWhenTheNewGenerationServes()
    {
        await using var h = RuntimeHarness.Create("acme");
        var first = await h.TouchAsync("acme");
        var tenant = await h.TenantAsync("acme");

        using (h.HostScope())
        {
            await h.Runtime.ReloadAsync(tenant);
        }

        Assert.Equal(2, h.Status("acme").Generation);
        await first.WaitDisposedAsync();
    }

    [Fact]
    public async Task ReloadAsync_NewerVersionWhileAReloadBuilds_CompletesOnlyWhenTheQueuedBuildServes()
    {
        var holdSecond = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holdThird = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var activations = 0;
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.OnTenantActivated(async (_, _, _) =>
        {
            switch (Interlocked.Increment(ref activations))
            {
                case 2: await holdSecond.Task; break; // The first reload's build.
                case 3: await holdThird.Task; break;  // The queued reload's build.
            }
        }));
        await h.TouchAsync("acme");
        var tenant = await h.TenantAsync("acme");
        var newer = new TenantInfo(tenant.Id, tenant.Identifier, "Acme renamed", version: tenant.Version + 1);

        Task first;
        Task second;
        using (h.HostScope())
        {
            first = h.Runtime.ReloadAsync(tenant).AsTask();
            second = h.Runtime.ReloadAsync(newer).AsTask();
        }

        // The first reload's build ends: its caller returns, the caller of the newer version still waits.
        holdSecond.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(second.IsCompleted);

        holdThird.SetResult();
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, h.Status("acme").Generation);
        using var lease = await h.Runtime.AcquireAsync(newer);
        Assert.Equal("Acme renamed", lease.Tenant.Name);
    }

    [Fact]
    public async Task ReloadAsync_QueuedBehindABuildThatShutdownCancels_EndsWithTheShutdownInsteadOfWaitingForever()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var activations = 0;
        var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.OnTenantActivated(async (_, _, cancellationToken) =>
        {
            if (Interlocked.Increment(ref activations) == 2)
            {
                entered.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken); // Held until shutdown cancels it.
            }
        }));
        await h.TouchAsync("acme");
        var tenant = await h.TenantAsync("acme");
        var newer = new TenantInfo(tenant.Id, tenant.Identifier, "Acme renamed", version: tenant.Version + 1);
        Task second;
        using (h.HostScope())
        {
            _ = h.Runtime.ReloadAsync(tenant).AsTask();
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            second = h.Runtime.ReloadAsync(newer).AsTask();
        }

        await h.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => second.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ReloadAsync_OutsideHostScope_ThrowsHostScopeRequired()
    {
        await using var h = RuntimeHarness.Create("acme");
        var tenant = await h.TenantAsync("acme");

        await Assert.ThrowsAsync<HostScopeRequiredException>(() => h.Runtime.ReloadAsync(tenant).AsTask());
        Assert.Throws<HostScopeRequiredException>(() => h.PublicRuntime.Unload("acme"));
        await Assert.ThrowsAsync<HostScopeRequiredException>(() => h.PublicRuntime.LoadAsync(tenant).AsTask());
    }

    [Fact]
    public async Task Suspended_UnloadsTheTenant()
    {
        await using var h = RuntimeHarness.Create("acme");
        var probe = await h.TouchAsync("acme");

        using (h.HostScope())
        {
            await h.Administration.SuspendAsync("acme");
        }

        var status = h.Status("acme");
        Assert.False(status.IsResident);
        Assert.Equal(TenantUnloadReason.Suspended, status.LastUnloadReason);
        await probe.WaitDisposedAsync();
    }

    [Fact]
    public async Task AcquireAsync_SuspendedTenant_ThrowsTenantSuspended()
    {
        await using var h = RuntimeHarness.Create("acme");
        TenantInfo suspended;
        using (h.HostScope())
        {
            suspended = await h.Administration.SuspendAsync("acme");
        }

        var ex = await Assert.ThrowsAsync<TenantSuspendedException>(() => h.Runtime.AcquireAsync(suspended).AsTask());
        Assert.Equal("acme", ex.Tenant.Identifier);
        Assert.Null(h.Runtime.GetStatus("acme"));
    }

    [Fact]
    public async Task Deleted_UnloadsTheTenant()
    {
        await using var h = RuntimeHarness.Create("acme");
        var probe = await h.TouchAsync("acme");

        using (h.HostScope())
        {
            await h.Administration.DeleteAsync("acme");
        }

        Assert.False(h.IsResident("acme"));
        Assert.Equal(TenantUnloadReason.Deleted, h.Status("acme").LastUnloadReason);
        await probe.WaitDisposedAsync();
    }

    [Fact]
    public async Task Suspended_WhileLeased_DisposesOnlyAfterTheLease()
    {
        await using var h = RuntimeHarness.Create("acme");
        var lease = await h.AcquireAsync("acme");
        var probe = lease.Services.GetRequiredService<GenerationProbe>();

        using (h.HostScope())
        {
            await h.Administration.SuspendAsync("acme");
        }

        await Eventually.UntilAsync(() => probe.Unloadings == 1, "the unload hook ran");
        Assert.False(probe.IsDisposed);
        lease.Dispose();
        await probe.WaitDisposedAsync();
    }

    [Fact]
    public async Task AcquireAsync_NewerSnapshotThanTheServingGeneration_ServesNowAndRebuildsInTheBackground()
    {
        await using var h = RuntimeHarness.Create("acme");
        var first = await h.TouchAsync("acme");
        var newer = new TenantInfo("acme", "acme", "Acme v2", version: 2);

        await using (var lease = await h.Runtime.AcquireAsync(newer))
        {
            Assert.Equal(1, lease.GenerationNumber);
        }

        await Eventually.UntilAsync(() => h.Status("acme").Generation == 2, "the newer generation serves");
        await using var next = await h.Runtime.AcquireAsync(newer);
        Assert.Equal("Acme v2", next.Tenant.Name);
        await first.WaitDisposedAsync();
    }

    [Fact]
    public async Task Updated_OlderVersionThanTheServingGeneration_IsIgnored()
    {
        await using var h = RuntimeHarness.Create("acme");
        (await h.Runtime.AcquireAsync(new TenantInfo("acme", "acme", "v3", version: 3))).Dispose();

        h.Changes.Publish(new TenantChange(TenantChangeKind.Updated, "acme", "acme", new TenantInfo("acme", "acme", "v2", version: 2)));

        Assert.Equal(1, h.Status("acme").Generation);
        Assert.Equal(0, h.Runtime.Counts.Building);
    }

    [Fact]
    public async Task Updated_NotResidentTenant_BuildsNothing()
    {
        await using var h = RuntimeHarness.Create("acme");

        using (h.HostScope())
        {
            await h.Administration.UpdateAsync("acme", new TenantUpdate { Name = "Acme Corp" }, expectedVersion: 1);
        }

        Assert.Null(h.Runtime.GetStatus("acme"));
        Assert.Equal(0, h.Runtime.Counts.Builds);
    }
}
