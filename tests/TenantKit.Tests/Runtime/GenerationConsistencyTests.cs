using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

/// <summary>
/// One consistent generation per request (issue #15, point 4): after an update, a request is either served by the old
/// generation and sees the old snapshot, or waits for the new generation and sees the new one; never the new data with a
/// container built from the old. Which of the two is <see cref="TenantRuntimeOptions.RequiresNewGeneration"/>'s call.
/// </summary>
public class GenerationConsistencyTests
{
    private static readonly Dictionary<string, string> Pro = new() { ["Plan"] = "pro" };

    [Fact]
    public async Task UpdateOfAProperty_NewRequestsWaitForTheNewGeneration_AndSeeTheSnapshotItWasBuiltFrom()
    {
        var gates = new BuildGates(version: 2);
        await using var h = Create(gates);
        var v1 = await h.TenantAsync("acme");
        await h.TouchAsync("acme");

        await UpdateAsync(h, new TenantUpdate { Properties = Pro });
        var v2 = await h.TenantAsync("acme");
        await gates.Entered;

        // The new generation is blocked in its start hook: a request with the new data is not served by the old one.
        Assert.False(h.Runtime.TryAcquireResident(v2, out _));
        var waiting = h.Runtime.AcquireAsync(v2).AsTask();
        Assert.False(waiting.IsCompleted);

        // A request that still carries the old snapshot is served by the old generation, and sees that snapshot.
        Assert.True(h.Runtime.TryAcquireResident(v1, out var old));
        using (old)
        {
            Assert.Equal((1, 1L, null), (old.GenerationNumber, old.Tenant.Version, old.Tenant.GetProperty("Plan")));
        }

        gates.Open();
        await using var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, lease.GenerationNumber);
        Assert.Same(lease.Tenant, lease.Services.GetRequiredService<TenantInfo>());
        Assert.Equal("pro", lease.Tenant.GetProperty("Plan"));
    }

    [Fact]
    public async Task UpdateOfTheNameOnly_NewRequestsAreServedByTheOldGenerationWhileTheNewOneBuilds_AndSeeTheOldSnapshot()
    {
        var gates = new BuildGates(version: 2);
        await using var h = Create(gates);
        await h.TouchAsync("acme");

        await UpdateAsync(h, new TenantUpdate { Name = "Acme Corp" });
        var v2 = await h.TenantAsync("acme");
        await gates.Entered;

        Assert.True(h.Runtime.TryAcquireResident(v2, out var old));
        using (old)
        {
            Assert.Equal(1, old.GenerationNumber);
            Assert.Equal("acme", old.Tenant.Name);
            Assert.Same(old.Tenant, old.Services.GetRequiredService<TenantInfo>());
        }

        // Joined while the build is still held at the gate, so it waits for that build and starts no other (asked
        // after the gate opened, it could find the build done and start a third generation).
        Task joined;
        using (h.HostScope())
        {
            joined = h.Runtime.ReloadAsync(v2).AsTask();
        }

        gates.Open();
        await joined.WaitAsync(TimeSpan.FromSeconds(10));

        await using var lease = await h.Runtime.AcquireAsync(v2);
        Assert.Equal((2, "Acme Corp"), (lease.GenerationNumber, lease.Tenant.Name));
    }

    [Fact]
    public async Task RequiresNewGeneration_SetByTheApplication_DecidesForEveryChange()
    {
        var gates = new BuildGates(version: 2);
        var asked = new ConcurrentQueue<(long, long)>();
        await using var h = Create(gates, (previous, current) =>
        {
            asked.Enqueue((previous.Version, current.Version));
            return previous.Name != current.Name;
        });
        await h.TouchAsync("acme");

        await UpdateAsync(h, new TenantUpdate { Name = "Acme Corp" });
        var v2 = await h.TenantAsync("acme");
        await gates.Entered;

        Assert.False(h.Runtime.TryAcquireResident(v2, out _));
        Assert.Contains((1L, 2L), asked);
        gates.Open();
    }

    [Fact]
    public async Task RequiresNewGeneration_False_ServesAPropertyChangeByTheOldGenerationWhileItBuilds()
    {
        var gates = new BuildGates(version: 2);
        await using var h = Create(gates, (_, _) => false);
        await h.TouchAsync("acme");

        await UpdateAsync(h, new TenantUpdate { Properties = Pro });
        var v2 = await h.TenantAsync("acme");
        await gates.Entered;

        await using (var lease = await h.Runtime.AcquireAsync(v2))
        {
            Assert.Equal((1, null), (lease.GenerationNumber, lease.Tenant.GetProperty("Plan")));
        }

        gates.Open();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UpdateLandingDuringTheFirstBuild_IsServedByTheNewGenerationOnlyWhenItRequiresOne(bool property)
    {
        var first = new BuildGates(version: 1);
        var second = new BuildGates(version: 2);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .OnTenantActivated(async (tenant, _, _) =>
            {
                await first.PassAsync(tenant);
                await second.PassAsync(tenant);
            }));
        var v1 = await h.TenantAsync("acme");
        var a = h.Runtime.AcquireAsync(v1).AsTask();
        await first.Entered;

        await UpdateAsync(h, property ? new TenantUpdate { Properties = Pro } : new TenantUpdate { Name = "Acme Corp" });
        var v2 = await h.TenantAsync("acme");
        var b = h.Runtime.AcquireAsync(v2).AsTask();
        Assert.False(b.IsCompleted);

        // The first build serves; the update's build (queued behind it) is held in its hook.
        first.Open();
        await using var leaseA = await a.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((1, 1L), (leaseA.GenerationNumber, leaseA.Tenant.Version));
        await second.Entered;
        if (property)
        {
            Assert.False(b.IsCompleted);
            second.Open();
        }

        await using var leaseB = await b.WaitAsync(TimeSpan.FromSeconds(10));
        if (property)
        {
            Assert.Equal((2, 2L, "pro"), (leaseB.GenerationNumber, leaseB.Tenant.Version, leaseB.Tenant.GetProperty("Plan")));
        }
        else
        {
            // Served by the first build; its snapshot is the one it was built from, not the request's newer one.
            Assert.Equal((1, 1L, "acme"), (leaseB.GenerationNumber, leaseB.Tenant.Version, leaseB.Tenant.Name));
            second.Open();
        }

        Assert.Same(leaseB.Tenant, leaseB.Services.GetRequiredService<TenantInfo>());
    }

    [Fact]
    public async Task UpdateRequiringANewGeneration_WhoseBuildFails_IsRefusedNotServedByTheOldGeneration()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.ConfigureTenantServices((tenant, _) =>
        {
            if (tenant.GetProperty("Plan") == "broken")
            {
                throw new InvalidOperationException("broken plan");
            }
        }));
        var v1 = await h.TenantAsync("acme");
        await h.TouchAsync("acme");
        var v2 = new TenantInfo("acme", "acme", "acme", properties: new Dictionary<string, string> { ["Plan"] = "broken" }, version: 2);

        await Assert.ThrowsAsync<TenantLoadException>(async () => await h.Runtime.AcquireAsync(v2));
        await Assert.ThrowsAsync<TenantLoadException>(async () => await h.Runtime.AcquireAsync(v2)); // Backing off.

        await using var old = await h.Runtime.AcquireAsync(v1);
        Assert.Equal(1, old.GenerationNumber);
    }

    [Fact]
    public void DefaultRule_WaitsForIdentifierStateRegionAndProperties_NotForNameOrOwner()
    {
        var v1 = new TenantInfo("t", "acme", "Acme", region: "eu", owner: "o1", properties: new Dictionary<string, string> { ["Plan"] = "free" });
        TenantInfo With(string identifier = "acme", string name = "Acme", TenantState state = TenantState.Active, string region = "eu", string owner = "o1", string plan = "free")
            => new("t", identifier, name, state, region, owner, new Dictionary<string, string> { ["Plan"] = plan }, version: 2);

        Assert.True(TenantRuntimeOptions.DefaultRequiresNewGeneration(v1, With(identifier: "acme2")));
        Assert.True(TenantRuntimeOptions.DefaultRequiresNewGeneration(v1, With(state: TenantState.Suspended)));
        Assert.True(TenantRuntimeOptions.DefaultRequiresNewGeneration(v1, With(region: "us")));
        Assert.True(TenantRuntimeOptions.DefaultRequiresNewGeneration(v1, With(plan: "pro")));
        Assert.True(TenantRuntimeOptions.DefaultRequiresNewGeneration(v1, new TenantInfo("t", "acme", "Acme", region: "eu", owner: "o1", version: 2)));
        Assert.False(TenantRuntimeOptions.DefaultRequiresNewGeneration(v1, With(name: "Acme Corp", owner: "o2")));
        Assert.False(TenantRuntimeOptions.DefaultRequiresNewGeneration(v1, With(plan: "free")));
    }

    private static RuntimeHarness Create(BuildGates gates, Func<TenantInfo, TenantInfo, bool>? policy = null)
        => RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .ConfigureRuntime(o => o.RequiresNewGeneration = policy)
            .OnTenantActivated((tenant, _, _) => gates.PassAsync(tenant)));

    private static async Task UpdateAsync(RuntimeHarness h, TenantUpdate update)
    {
        using (h.HostScope())
        {
            var current = await h.TenantAsync("acme");
            await h.Administration.UpdateAsync("acme", update, current.Version);
        }
    }

    /// <summary>Holds the builds of one tenant version in their start hook until opened; says when the first got there.</summary>
    private sealed class BuildGates(long version)
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public void Open() => _open.TrySetResult();

        public async ValueTask PassAsync(TenantInfo tenant)
        {
            if (tenant.Version == version)
            {
                _entered.TrySetResult();
                await _open.Task;
            }
        }
    }
}
