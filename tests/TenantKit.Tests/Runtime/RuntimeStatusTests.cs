using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

/// <summary>What an operator sees of generations that left service but are still held by a request.</summary>
public class RuntimeStatusTests
{
    [Fact]
    public async Task Status_AfterAReload_ShowsTheOldGenerationDraining_WithTheLeaseThatHoldsIt()
    {
        await using var h = RuntimeHarness.Create("acme");
        var held = await h.AcquireAsync("acme");
        using (h.HostScope())
        {
            await h.Runtime.ReloadAsync(await h.TenantAsync("acme"));
        }

        var status = h.Status("acme");
        Assert.True(status.IsResident);
        Assert.Equal(2, status.Generation);
        Assert.Equal(0, status.LeasesOut);
        var draining = Assert.Single(status.Draining);
        Assert.Equal(1, draining.Generation);
        Assert.Equal(1, draining.LeasesOut);
        Assert.Equal(TenantUnloadReason.Reload, draining.Reason);
        Assert.Equal(h.Time.GetUtcNow(), draining.Since);
        Assert.Equal(1, h.Runtime.Counts.Draining);

        held.Dispose();
        await h.Runtime.WaitForUnloadAsync("acme").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(h.Status("acme").Draining);
        Assert.Equal(0, h.Runtime.Counts.Draining);
    }

    [Fact]
    public async Task Statuses_OfATenantUnloadedWhileARequestHoldsIt_StillListItsDrainingGeneration()
    {
        await using var h = RuntimeHarness.Create("acme", "globex");
        var held = await h.AcquireAsync("acme");
        await h.TouchAsync("globex");
        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        var acme = Assert.Single(h.Runtime.GetStatuses(), s => s.TenantId == "acme");
        Assert.False(acme.IsResident);
        Assert.False(acme.IsBuilding);
        Assert.Equal(TenantUnloadReason.Requested, acme.LastUnloadReason);
        var draining = Assert.Single(acme.Draining);
        Assert.Equal((1, 1, TenantUnloadReason.Requested), (draining.Generation, draining.LeasesOut, draining.Reason));
        Assert.Empty(Assert.Single(h.Runtime.GetStatuses(), s => s.TenantId == "globex").Draining);

        held.Dispose();
        await h.Runtime.WaitForUnloadAsync("acme").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(h.Runtime.GetStatuses(), s => s.TenantId == "acme");
        Assert.Empty(h.Status("acme").Draining);
    }

    [Fact]
    public async Task Status_WhileTheFirstBuildRuns_IsBuilding_AndAfterAFailure_IsFailedWithTheError()
    {
        var release = new TaskCompletionSource();
        var fail = true;
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("acme"),
            b => b.OnTenantActivated(async (_, _, _) =>
            {
                await release.Task;
                if (fail)
                {
                    throw new InvalidOperationException("warm-up failed");
                }
            }));
        var building = h.AcquireAsync("acme");
        await Eventually.UntilAsync(() => h.Runtime.GetStatus("acme")?.IsBuilding == true, "the build started");

        release.SetResult();
        await Assert.ThrowsAsync<TenantLoadException>(() => building);

        var status = h.Status("acme");
        Assert.Equal((false, false, true), (status.IsResident, status.IsBuilding, status.LastError is not null));
        Assert.False(status.IsResident);
        Assert.Equal("warm-up failed", status.LastError);
        Assert.NotNull(status.RetryAt);
        fail = false;
    }
}
