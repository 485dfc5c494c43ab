using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

/// <summary>
/// The warm path recalls a tenant's slot by the identity of the catalog's snapshot, in a table the runtime owns: the
/// tenant model carries no runtime state, so one snapshot serves several runtimes, and collisions fall back to the id.
/// </summary>
public class SlotRecallTests
{
    [Fact]
    public async Task OneSnapshot_UsedWithTwoRuntimes_LeasesEachRuntimesOwnGeneration()
    {
        await using var first = RuntimeHarness.Create("acme");
        await using var second = RuntimeHarness.Create("acme");
        var snapshot = await first.TenantAsync("acme");

        await using (var a = await first.Runtime.AcquireAsync(snapshot))
        await using (var b = await second.Runtime.AcquireAsync(snapshot))
        {
            Assert.Same(first.Probes.For("acme").Single(), a.Services.GetRequiredService<GenerationProbe>());
            Assert.Same(second.Probes.For("acme").Single(), b.Services.GetRequiredService<GenerationProbe>());
        }

        Assert.True(first.Runtime.TryAcquireResident(snapshot, out var warmA));
        Assert.True(second.Runtime.TryAcquireResident(snapshot, out var warmB));
        Assert.NotSame(warmA.Services, warmB.Services);
        warmA.Dispose();
        warmB.Dispose();
    }

    [Fact]
    public async Task WarmLeases_OnMoreTenantsThanTheRecallTableHasEntries_EachGetTheirOwnTenant()
    {
        // A capacity of 1,500 gives a recall table of 4,096 entries: a few hundred of the snapshots share an entry.
        const int Count = 1_500;
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants(Count), b => b.ConfigureRuntime(o => o.Capacity = Count));
        var tenants = new List<TenantInfo>();
        for (var i = 0; i < Count; i++)
        {
            var tenant = await h.TenantAsync($"t{i:000}");
            tenants.Add(tenant);
            await (await h.Runtime.AcquireAsync(tenant)).DisposeAsync();
        }

        for (var round = 0; round < 2; round++)
        {
            foreach (var tenant in tenants)
            {
                Assert.True(h.Runtime.TryAcquireResident(tenant, out var lease));
                Assert.Same(tenant, lease.Tenant);
                lease.Dispose();
            }
        }
    }

    [Fact]
    public async Task ASnapshotOfATenantUnloadedAndBuiltAgain_FindsTheNewGeneration()
    {
        await using var h = RuntimeHarness.Create("acme");
        var snapshot = await h.TenantAsync("acme");
        await (await h.Runtime.AcquireAsync(snapshot)).DisposeAsync();
        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        Assert.False(h.Runtime.TryAcquireResident(snapshot, out _));
        await (await h.Runtime.AcquireAsync(snapshot)).DisposeAsync();

        Assert.True(h.Runtime.TryAcquireResident(snapshot, out var lease));
        Assert.Equal(2, lease.GenerationNumber);
        lease.Dispose();
    }
}
