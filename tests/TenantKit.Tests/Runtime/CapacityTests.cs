namespace TenantKit.Tests.Runtime;

public class CapacityTests
{
    private static RuntimeHarness Create(int capacity, params string[] tenants) => Create(capacity, RuntimeHarness.Tenants(tenants));

    private static RuntimeHarness Create(int capacity, TenantDraft[] tenants)
        => RuntimeHarness.Create(tenants, b => b.ConfigureRuntime(o =>
        {
            o.Capacity = capacity;
            o.IdleTimeout = Timeout.InfiniteTimeSpan;
        }));

    /// <summary>
    /// A lease on every tenant: they all load, and no capacity check can unload any meanwhile (each build runs its check
    /// before its caller gets the lease, so none runs later while the caller releases the leases in order).
    /// </summary>
    private static async Task<List<TenantLease>> LeaseAllAsync(RuntimeHarness h, TenantDraft[] tenants)
    {
        var leases = new List<TenantLease>();
        foreach (var draft in tenants)
        {
            leases.Add(await h.AcquireAsync(draft.Id!));
        }

        return leases;
    }

    [Fact]
    public async Task EnforceCapacity_ManyResident_DoesNotCopyTheTenantTable()
    {
        // The check runs after every build past capacity. Reading ConcurrentDictionary.Values takes every lock of the
        // table (stalling the acquires that add or remove tenants) and copies it: 8 bytes per tenant, 8 KB here.
        const int Tenants = 1_000;
        var drafts = RuntimeHarness.Tenants(Tenants + 1);
        await using var h = Create(Tenants, drafts);

        // Every tenant leased: the check has an excess to look for and nothing it may unload, so the only allocations
        // are its own, whatever the background checks do on other threads.
        var leases = await LeaseAllAsync(h, drafts);

        h.Runtime.EnforceCapacity();
        var before = GC.GetAllocatedBytesForCurrentThread();
        h.Runtime.EnforceCapacity();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Tenants + 1, h.Runtime.Counts.Resident);
        Assert.True(allocated < 4_096, $"EnforceCapacity allocated {allocated} bytes with {Tenants + 1} tenants resident.");
        leases.ForEach(lease => lease.Dispose());
    }

    [Fact]
    public async Task EnforceCapacity_PastCapacity_UnloadsTheLeastRecentlyUsedIdleTenantEachTime()
    {
        await using var h = Create(3, "a", "b", "c", "d", "e");
        await h.TouchAsync("a");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.TouchAsync("b");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.TouchAsync("c");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.TouchAsync("a"); // Recency is b, c, a.
        h.Time.Advance(TimeSpan.FromSeconds(1));

        await h.TouchAsync("d");
        h.Runtime.EnforceCapacity();
        Assert.Equal(["a", "c", "d"], Resident(h));
        Assert.Equal(TenantUnloadReason.Capacity, h.Status("b").LastUnloadReason);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.TouchAsync("e");
        h.Runtime.EnforceCapacity();
        Assert.Equal(["a", "d", "e"], Resident(h));
        Assert.Equal(TenantUnloadReason.Capacity, h.Status("c").LastUnloadReason);
        Assert.Equal(3, h.Runtime.Counts.Resident);
    }

    [Fact]
    public async Task EnforceCapacity_SeveralPastCapacity_UnloadsExactlyTheExcessOldestFirst()
    {
        await using var h = Create(2, "a", "b", "c", "d", "e", "f");

        // A lease on every tenant keeps the automatic capacity checks from unloading anything while they load.
        var order = RuntimeHarness.Tenants("d", "b", "f", "a", "e", "c");
        var leases = await LeaseAllAsync(h, order);

        // Released in this order, so last access is oldest for "d" and newest for "c".
        foreach (var lease in leases)
        {
            lease.Dispose();
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        h.Runtime.EnforceCapacity();

        Assert.Equal(["c", "e"], Resident(h));
        foreach (var id in new[] { "a", "b", "d", "f" })
        {
            Assert.Equal(TenantUnloadReason.Capacity, h.Status(id).LastUnloadReason);
        }
    }

    [Fact]
    public async Task EnforceCapacity_LargeCapacity_UnloadsDownToOnePercentUnderTheCapOldestFirst()
    {
        // Capacity 200: one pass unloads the excess and 1% more (2 tenants), so the next 2 builds need no scan.
        const int Capacity = 200;
        var drafts = RuntimeHarness.Tenants(Capacity + 1);
        await using var h = Create(Capacity, drafts);

        // The first 200 fill the runtime to its cap (no check has anything to do) and are released oldest first; the
        // 201st, the most recently used, takes it past the cap. The check its build queues and the one below run one
        // after the other, and whichever comes first unloads the same three.
        foreach (var lease in await LeaseAllAsync(h, drafts[..Capacity]))
        {
            lease.Dispose();
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await h.TouchAsync(drafts[Capacity].Id!);
        h.Runtime.EnforceCapacity();

        Assert.Equal(Capacity - 2, h.Runtime.Counts.Resident);
        for (var i = 0; i < drafts.Length; i++)
        {
            var unloaded = h.Status(drafts[i].Id!).LastUnloadReason;
            Assert.Equal(i < 3 ? TenantUnloadReason.Capacity : null, unloaded);
        }

        // Back under the cap: a new tenant's build does not unload anything.
        await h.TouchAsync(drafts[0].Id!);
        h.Runtime.EnforceCapacity();
        Assert.Equal(Capacity - 1, h.Runtime.Counts.Resident);
    }

    [Fact]
    public async Task EnforceCapacity_AfterAScan_UnloadsFromItsListSkippingTenantsUsedOrLeasedSince()
    {
        // Capacity 200: a scan keeps the 10 least recently used (5% of the cap); each check unloads 3.
        const int Capacity = 200;
        var drafts = RuntimeHarness.Tenants(Capacity + 4);
        var ids = drafts.Select(d => d.Id!).ToArray();
        await using var h = Create(Capacity, drafts);
        foreach (var lease in await LeaseAllAsync(h, drafts[..Capacity]))
        {
            lease.Dispose();
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await h.TouchAsync(ids[Capacity]);
        h.Runtime.EnforceCapacity();
        Assert.Equal(Capacity - 2, h.Runtime.Counts.Resident);
        Assert.Equal(1, h.Runtime.CapacityScans);

        // Since that scan, t003 was used (it is now the most recent) and t004 is leased: neither may go.
        await h.TouchAsync(ids[3]);
        var held = await h.AcquireAsync(ids[4]);
        foreach (var id in ids[(Capacity + 1)..])
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await h.TouchAsync(id);
        }

        h.Runtime.EnforceCapacity();

        Assert.Equal(Capacity - 2, h.Runtime.Counts.Resident);
        Assert.Equal(1, h.Runtime.CapacityScans); // Served from the first scan's list.
        Assert.True(h.IsResident(ids[3]));
        Assert.True(h.IsResident(ids[4]));
        Assert.All(ids[5..8], id => Assert.Equal(TenantUnloadReason.Capacity, h.Status(id).LastUnloadReason));
        Assert.All(ids[8..], id => Assert.True(h.IsResident(id), id));
        held.Dispose();
    }

    [Fact]
    public async Task EnforceCapacity_LeasedTenants_AreNeverUnloaded()
    {
        await using var h = Create(1, "a", "b", "c");
        var a = await h.AcquireAsync("a");
        var b = await h.AcquireAsync("b");
        var c = await h.AcquireAsync("c");

        h.Runtime.EnforceCapacity();
        h.Runtime.Sweep();
        Assert.Equal(["a", "b", "c"], Resident(h));

        a.Dispose();
        h.Runtime.EnforceCapacity();
        Assert.Equal(["b", "c"], Resident(h));

        b.Dispose();
        c.Dispose();
    }

    [Fact]
    public async Task Build_PastCapacity_UnloadsTheLeastRecentlyUsedInTheBackground()
    {
        await using var h = Create(2, "a", "b", "c");
        var a = await h.TouchAsync("a");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.TouchAsync("b");
        h.Time.Advance(TimeSpan.FromSeconds(1));

        await h.TouchAsync("c");

        // No sweep needed: a build that takes the runtime past capacity queues a capacity check.
        await a.WaitDisposedAsync();
        Assert.Equal(["b", "c"], Resident(h));
    }

    [Fact]
    public async Task TenantsUsedOneAfterAnother_NeverExceedTheCapacity()
    {
        // Resident reached 3 with a capacity of 2: the check a build queued ran after its caller had the lease.
        var drafts = RuntimeHarness.Tenants(8);
        await using var h = Create(2, drafts);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < drafts.Length; i++)
            {
                await using (await h.AcquireAsync(drafts[i].Id!))
                {
                    Assert.Equal(round == 0 && i == 0 ? 1 : 2, h.Runtime.Counts.Resident);
                }

                Assert.Equal(round == 0 && i == 0 ? 1 : 2, h.Runtime.Counts.Resident);
                h.Time.Advance(TimeSpan.FromSeconds(1));
            }
        }
    }

    [Fact]
    public async Task TenantKeptPastTheCapacityForItsLease_IsUnloadedWhenTheLeaseIsReleased()
    {
        // With 6 holders, 10 stayed resident: a tenant kept for its lease stayed past the cap once the lease was released.
        await using var h = Create(1, "a", "b", "c");
        var a = await h.AcquireAsync("a");
        var b = await h.AcquireAsync("b");
        Assert.Equal(2, h.Runtime.Counts.Resident);

        a.Dispose();
        Assert.Equal(["b"], Resident(h));
        Assert.Equal(TenantUnloadReason.Capacity, h.Status("a").LastUnloadReason);

        // Back at the cap: releasing the last lease on "b" keeps it (its mark is dropped).
        b.Dispose();
        Assert.Equal(["b"], Resident(h));
        await h.TouchAsync("b");
        Assert.Equal(["b"], Resident(h));
    }

    private static string[] Resident(RuntimeHarness h)
        => [.. h.Runtime.GetStatuses().Where(s => s.IsResident).Select(s => s.Identifier)];
}
