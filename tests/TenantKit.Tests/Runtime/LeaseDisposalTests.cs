using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

/// <summary>
/// A lease is a struct: copies of it share one claim. Disposing a copy, or the lease, a second time must never release
/// the claim another holder took afterwards (before, it did, and that holder's container was disposed under it).
/// </summary>
public class LeaseDisposalTests
{
    [Fact]
    public async Task CopyOfALeaseDisposedTwice_NoLongerReleasesAnotherHoldersClaim_NorDisposesItsContainerUnderIt()
    {
        await using var h = RuntimeHarness.Create("acme");
        var first = await h.AcquireAsync("acme");
        var copy = first;
        first.Dispose();

        // The innocent holder takes the lease record the first lease used (the generation's first primary record).
        var innocent = await h.AcquireAsync("acme");
        var probe = innocent.Services.GetRequiredService<GenerationProbe>();

        Assert.Throws<InvalidOperationException>(copy.Dispose);

        Assert.Equal(1, h.Status("acme").LeasesOut);
        using (h.HostScope())
        {
            Assert.True(h.Runtime.Unload("acme"));
        }

        await Eventually.UntilAsync(() => probe.Unloadings == 1, "the unload hook ran");
        Assert.False(probe.IsDisposed);
        using (var scope = innocent.CreateScope())
        {
            Assert.Same(probe, scope.ServiceProvider.GetRequiredService<GenerationProbe>());
        }

        innocent.Dispose();
        await probe.WaitDisposedAsync();
        Assert.Equal(1, probe.Disposals);
    }

    [Fact]
    public async Task ACopyOfAConcurrentLeaseDisposedTwice_DoesNotReleaseTheNextHolderOfItsRecord()
    {
        await using var h = RuntimeHarness.Create("acme");
        var keeper = await h.AcquireAsync("acme"); // The two hold the primary records: the next leases take spares.
        var other = await h.AcquireAsync("acme");
        var first = await h.AcquireAsync("acme");
        var copy = first;
        first.Dispose();
        var innocent = await h.AcquireAsync("acme");

        await Assert.ThrowsAsync<InvalidOperationException>(() => copy.DisposeAsync().AsTask());

        Assert.Equal(3, h.Status("acme").LeasesOut);
        keeper.Dispose();
        other.Dispose();
        Assert.Equal(1, h.Status("acme").LeasesOut);
        var probe = innocent.Services.GetRequiredService<GenerationProbe>();
        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        await Eventually.UntilAsync(() => probe.Unloadings == 1, "the unload hook ran");
        Assert.False(probe.IsDisposed);
        innocent.Dispose();
        await probe.WaitDisposedAsync();
    }

    [Fact]
    public async Task ALeaseDisposedTwice_WhileAnotherIsOut_ReleasesOnlyItsOwnClaim()
    {
        await using var h = RuntimeHarness.Create("acme");
        var mine = await h.AcquireAsync("acme");
        var other = await h.AcquireAsync("acme");

        mine.Dispose();
        Assert.Throws<InvalidOperationException>(mine.Dispose);
        Assert.Throws<InvalidOperationException>(mine.Dispose);

        Assert.Equal(1, h.Status("acme").LeasesOut);
        other.Dispose();
        Assert.Equal(0, h.Status("acme").LeasesOut);
        Assert.Throws<InvalidOperationException>(other.Dispose);
        Assert.Equal(0, h.Status("acme").LeasesOut);
    }

    [Fact]
    public async Task ManyLeasesOutAtOnce_EachReleasesItsOwnClaim_AndTheGenerationIsDisposedAfterTheLast()
    {
        await using var h = RuntimeHarness.Create("acme");
        var leases = new List<TenantLease>();
        for (var i = 0; i < 40; i++)
        {
            leases.Add(await h.AcquireAsync("acme")); // Past the first spare pool sizes: the pool grows.
        }

        var probe = leases[0].Services.GetRequiredService<GenerationProbe>();
        Assert.Equal(40, h.Status("acme").LeasesOut);
        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        foreach (var lease in leases[..^1])
        {
            lease.Dispose();
            Assert.Throws<InvalidOperationException>(lease.Dispose);
        }

        Assert.False(probe.IsDisposed);
        leases[^1].Dispose();
        await probe.WaitDisposedAsync();
        Assert.Equal(1, probe.Disposals);
    }

    [Fact]
    public async Task CopiesDisposedTwice_RacingWithUnloads_NeverDisposeAContainerUnderAnInnocentHolder()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme", "globex"), systemClock: true);
        var tenants = new[] { await h.TenantAsync("acme"), await h.TenantAsync("globex") };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        long doubleDisposals = 0;
        long innocentUses = 0;

        async Task WorkAsync(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                TenantLease lease;
                try
                {
                    lease = await h.Runtime.AcquireAsync(tenants[random.Next(tenants.Length)]);
                }
                catch (TenantLoadException)
                {
                    continue;
                }

                var careless = random.Next(2) == 0;
                try
                {
                    // Every holder uses its container while it holds the lease; a careless one then disposes its
                    // lease and a copy of it, the innocent ones dispose once.
                    var probe = lease.Services.GetRequiredService<GenerationProbe>();
                    probe.Enter();
                    try
                    {
                        await Task.Yield();
                        using var scope = lease.CreateScope();
                        Assert.Same(probe, scope.ServiceProvider.GetRequiredService<GenerationProbe>());
                        Interlocked.Increment(ref innocentUses);
                    }
                    finally
                    {
                        probe.Exit();
                    }

                    var copy = lease;
                    lease.Dispose();
                    if (careless)
                    {
                        Assert.Throws<InvalidOperationException>(copy.Dispose);
                        Interlocked.Increment(ref doubleDisposals);
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }
        }

        var workers = Enumerable.Range(0, 8).Select(i => Task.Run(() => WorkAsync(i))).ToList();
        workers.Add(Task.Run(async () =>
        {
            var random = new Random(42);
            while (!stop.IsCancellationRequested)
            {
                using (h.HostScope())
                {
                    h.Runtime.Unload(tenants[random.Next(tenants.Length)].Id);
                }

                await Task.Delay(1);
            }
        }));
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        Assert.True(doubleDisposals > 100, $"only {doubleDisposals} double disposals ran");
        Assert.True(innocentUses > 100, $"only {innocentUses} uses ran");
        Assert.All(h.Probes.All, p => Assert.Equal(0, p.DisposedInUse));
        Assert.Equal(0, h.Runtime.Counts.LeasesOut);
    }
}
