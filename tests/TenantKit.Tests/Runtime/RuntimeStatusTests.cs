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
        Assert.Equal(1, status.DrainingLeases);
        Assert.Equal(h.Time.GetUtcNow(), status.DrainingSince);
        Assert.Equal(1, h.Runtime.Counts.Draining);

        held.Dispose();
        await h.Runtime.WaitForUnloadAsync("acme").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((0, null), (h.Status("acme").DrainingLeases, h.Status("acme").DrainingSince));
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
        Assert.Equal((1L, 1, h.Time.GetUtcNow()), (acme.Generation, acme.DrainingLeases, acme.DrainingSince));
        var globex = Assert.Single(h.Runtime.GetStatuses(), s => s.TenantId == "globex");
        Assert.Equal((0, null), (globex.DrainingLeases, globex.DrainingSince));

        held.Dispose();
        await h.Runtime.WaitForUnloadAsync("acme").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(h.Runtime.GetStatuses(), s => s.TenantId == "acme");
        Assert.Equal((0, null), (h.Status("acme").DrainingLeases, h.Status("acme").DrainingSince));
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
