namespace TenantKit.Tests.Runtime;

public class IdleEvictionTests
{
    [Fact]
    public async Task Sweeper_TenantWithoutLeaseForIdleTimeout_IsUnloadedWithIdleReason()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.ConfigureRuntime(o => o.IdleTimeout = TimeSpan.FromMinutes(10)));
        var probe = await h.TouchAsync("acme");

        h.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.True(h.IsResident("acme"));
        Assert.False(probe.IsDisposed);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        var status = h.Status("acme");
        Assert.False(status.IsResident);
        Assert.Equal(TenantUnloadReason.Idle, status.LastUnloadReason);
        Assert.Equal(RuntimeHarness.Epoch + TimeSpan.FromMinutes(10), status.LastUnloadAt);
        await probe.WaitDisposedAsync();
        Assert.Equal(1, probe.Disposals);
    }

    [Fact]
    public async Task Sweeper_LeasedTenant_IsNeverUnloaded()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.ConfigureRuntime(o => o.IdleTimeout = TimeSpan.FromMinutes(10)));
        var lease = await h.AcquireAsync("acme");

        h.Time.Advance(TimeSpan.FromHours(5));
        Assert.True(h.IsResident("acme"));
        Assert.Equal(1, h.Status("acme").LeasesOut);

        // The idle clock starts when the last lease is released, not when the tenant was built.
        lease.Dispose();
        h.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.True(h.IsResident("acme"));
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(h.IsResident("acme"));
    }

    [Fact]
    public async Task Sweeper_TenantUsedAgain_RestartsItsIdleClock()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.ConfigureRuntime(o => o.IdleTimeout = TimeSpan.FromMinutes(10)));
        var probe = await h.TouchAsync("acme");

        h.Time.Advance(TimeSpan.FromMinutes(8));
        await h.TouchAsync("acme");
        h.Time.Advance(TimeSpan.FromMinutes(8));

        Assert.True(h.IsResident("acme"));
        h.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(h.IsResident("acme"));
        await probe.WaitDisposedAsync();
    }

    [Fact]
    public async Task IdleTimeout_Infinite_NeverUnloadsIdleTenants()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.ConfigureRuntime(o => o.IdleTimeout = Timeout.InfiniteTimeSpan));
        var probe = await h.TouchAsync("acme");

        h.Time.Advance(TimeSpan.FromDays(30));
        h.Runtime.Sweep();

        Assert.True(h.IsResident("acme"));
        Assert.Null(h.Status("acme").IdleTimeLeft);
        Assert.False(probe.IsDisposed);
    }

    [Fact]
    public async Task IdleTimeout_Default_IsThirtyMinutes()
    {
        Assert.Equal(TimeSpan.FromMinutes(30), new TenantRuntimeOptions().IdleTimeout);
        await using var h = RuntimeHarness.Create("acme");
        await h.TouchAsync("acme");

        h.Time.Advance(TimeSpan.FromMinutes(29));
        Assert.True(h.IsResident("acme"));
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(h.IsResident("acme"));
        Assert.Equal(TenantUnloadReason.Idle, h.Status("acme").LastUnloadReason);
    }

    [Fact]
    public async Task Sweeper_IdleTenantUnloaded_NextAcquireBuildsANewGeneration()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.ConfigureRuntime(o => o.IdleTimeout = TimeSpan.FromMinutes(10)));
        var first = await h.TouchAsync("acme");
        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(h.IsResident("acme"));

        await using var lease = await h.AcquireAsync("acme");

        Assert.Equal(2, lease.GenerationNumber);
        Assert.NotSame(first, lease.Services.GetService(typeof(GenerationProbe)));
        await first.WaitDisposedAsync();
    }
}
