using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TenantKit.Runtime;
using Xunit.Abstractions;

namespace TenantKit.Tests.Runtime;

/// <summary>Runs alone: it loads both cores on purpose, and other tests must not slow it down (or it them).</summary>
[CollectionDefinition(nameof(RuntimeStressCollection), DisableParallelization = true)]
public sealed class RuntimeStressCollection;

[Collection(nameof(RuntimeStressCollection))]
public class RuntimeStressTests(ITestOutputHelper output)
{
    private const int TenantCount = 50;
    private const int Workers = 16;

    // Most work goes to a few hot tenants, so leases on resident generations race with their drains (the fast path
    // is where a lease/drain ordering bug would bite); the cold rest keeps builds and capacity evictions going.
    private const int Hot = 6;

    // A fixed amount of work, not a run time: the run stops after this many leases. Everything else is paced by the
    // leases too (the fake clock, reloads, host unloads), so the mix is the same on a fast or a busy machine.
    private const long TargetLeases = 200_000;
    private const int LeasesPerClockTick = 10;
    private const int ClockTicksPerIdleJump = 50;
    private const int LeasesPerReload = 500;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task Runtime_UnderEvictionCapacityPressureReloadsAndUnloads_NeverDisposesUnderALease()
    {
        var stats = new Stats();
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants(TenantCount),
            b => b
                .ConfigureRuntime(o =>
                {
                    o.IdleTimeout = IdleTimeout;
                    o.SweepInterval = TimeSpan.FromMilliseconds(1);
                    o.Capacity = 10;
                })
                .ConfigureTenantOptions<StressOptions>((tenant, o) => o.Tenant = tenant.Id)
                .ConfigureTenantServices((_, s) => s.AddScoped<ScopedWork>()),
            services: s => s.AddSingleton<HostCounter>());

        // Started, so that stopping it below drains and disposes what is still resident (the end state is asserted).
        await h.StartAsync();
        var runtime = h.Runtime;
        var tenants = new TenantInfo[TenantCount];
        for (var i = 0; i < TenantCount; i++)
        {
            tenants[i] = await h.TenantAsync($"t{i:000}");
        }

        using var stop = new CancellationTokenSource();
        using var pacing = new Pacing(stop);
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>();
        for (var w = 0; w < Workers; w++)
        {
            var seed = w;
            tasks.Add(Task.Run(() => WorkAsync(runtime, tenants, new Random(seed), stats, pacing, stop.Token)));
        }

        // The fake clock: 1 ms every few leases, and now and then a jump past the idle timeout, so tenants go idle
        // while workers race to lease them. Each move runs the sweeper timer (every 1 ms) on this thread.
        tasks.Add(Task.Run(async () =>
        {
            for (var tick = 1; await pacing.NextAsync(pacing.ClockTicks, stop.Token); tick++)
            {
                h.Time.Advance(tick % ClockTicksPerIdleJump == 0 ? IdleTimeout + TimeSpan.FromMilliseconds(1) : TimeSpan.FromMilliseconds(1));
            }
        }));

        // Eviction and capacity pressure, on top of the sweeper timer.
        tasks.Add(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                runtime.Sweep();
                runtime.EnforceCapacity();
                await Task.Yield();
            }
        }));

        // Reloads: updates with a newer version, and forced reloads; and host unloads.
        tasks.Add(Task.Run(async () =>
        {
            var random = new Random(1000);
            var versions = new long[TenantCount];
            while (await pacing.NextAsync(pacing.Reloads, stop.Token))
            {
                var i = random.Next(2) == 0 ? random.Next(Hot) : random.Next(TenantCount);
                var t = tenants[i];
                if (random.Next(2) == 0)
                {
                    var version = Interlocked.Increment(ref versions[i]) + 1;
                    h.Changes.Publish(new TenantChange(TenantChangeKind.Updated, t.Id, t.Identifier, new TenantInfo(t.Id, t.Identifier, $"v{version}", version: version)));
                }
                else
                {
                    h.Changes.Publish(new TenantChange(TenantChangeKind.ReloadRequested, t.Id, t.Identifier, t));
                }

                Interlocked.Increment(ref stats.Reloads);
            }
        }));
        tasks.Add(Task.Run(async () =>
        {
            var random = new Random(2000);
            using var host = h.HostScope();
            while (await pacing.NextAsync(pacing.Unloads, stop.Token))
            {
                runtime.Unload(tenants[random.Next(2) == 0 ? random.Next(Hot) : random.Next(TenantCount)].Id);
            }
        }));

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
        var ran = clock.Elapsed;
        var counts = runtime.Counts;
        await h.StopAsync();

        var probes = h.Probes.All;
        var unloads = h.Logs.WithEventId(3003).GroupBy(e => e.Message[(e.Message.LastIndexOf('(') + 1)..^2]).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{ran.TotalSeconds:F1} s: {stats.Leases} leases, {stats.Reloads} reload changes, {probes.Count} generations, counts before stop {counts}");
        output.WriteLine($"disposed under a lease: {stats.DisposedUnderLease} seen by workers, {probes.Sum(p => p.DisposedInUse)} seen at disposal; {stats.ObjectDisposed} ObjectDisposedException");
        output.WriteLine($"unloads: {string.Join(", ", unloads.Select(u => $"{u.Key} {u.Value}"))}");

        foreach (var ex in stats.Disposed.Take(3).Concat<Exception>(stats.Unexpected.Take(3)))
        {
            output.WriteLine(ex.ToString());
        }

        Assert.Equal(0, stats.ObjectDisposed);
        Assert.Equal(0, stats.DisposedUnderLease);
        Assert.Empty(stats.Unexpected);
        Assert.All(probes, p => Assert.Equal(0, p.DisposedInUse));
        Assert.All(probes, p => Assert.Equal(1, p.Disposals));
        Assert.All(probes, p => Assert.Equal(1, p.Unloadings));
        Assert.Equal(0, runtime.Counts.Resident);
        Assert.Equal(0, runtime.Counts.Draining);
        Assert.Equal(0, runtime.Counts.Building);
        Assert.Empty(runtime.GetStatuses());
        Assert.Equal(runtime.Counts.Builds, probes.Count);
        Assert.Equal(runtime.Counts.Unloads, probes.Count);

        // It did what it says: real load, and every kind of unload happened many times.
        Assert.True(stats.Leases >= TargetLeases, $"only {stats.Leases} leases");
        Assert.True(probes.Count > 5 * TenantCount, $"only {probes.Count} generations");
        foreach (var reason in new[] { "Idle", "Capacity", "Reload", "Requested" })
        {
            Assert.True(unloads.GetValueOrDefault(reason) > 0, $"no {reason} unload");
        }
    }

    [Fact]
    public async Task ConcurrentChurn_ResidentTenantsNeverExceedTheCapacityPlusTheCallersHoldingOrAwaitingALease()
    {
        // Under churn, 10 were resident with a capacity of 3 and 6 holders. The bound: capacity plus the tenants leased
        // or built for a caller that has not taken its lease yet; each worker counts itself from before its acquire
        // until after its release, so the bound at any instant is at most capacity + workers counted then.
        const int Capacity = 3;
        const int Iterations = 4_000;
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants(24), b => b.ConfigureRuntime(o =>
        {
            o.Capacity = Capacity;
            o.IdleTimeout = Timeout.InfiniteTimeSpan;
        }));
        var runtime = h.Runtime;
        var tenants = new TenantInfo[24];
        for (var i = 0; i < tenants.Length; i++)
        {
            tenants[i] = await h.TenantAsync($"t{i:000}");
        }

        var active = 0;
        long started = 0;
        var violations = new ConcurrentQueue<string>();
        var observations = 0L;

        // Sound at every observation: a count read between two reads of the started counter may include workers that
        // started in between, so they are added to the workers active before the first read.
        void Observe()
        {
            var startedBefore = Interlocked.Read(ref started);
            var activeBefore = Volatile.Read(ref active);
            var resident = runtime.Counts.Resident;
            var startedDuring = Interlocked.Read(ref started) - startedBefore;
            Interlocked.Increment(ref observations);
            if (resident > Capacity + activeBefore + startedDuring)
            {
                violations.Enqueue($"{resident} resident, {activeBefore} + {startedDuring} callers");
            }
        }

        async Task WorkAsync(int seed)
        {
            var random = new Random(seed);
            for (var n = 0; n < Iterations; n++)
            {
                // Mostly a few hot tenants, so leases overlap; the rest forces builds past the cap.
                var tenant = tenants[random.Next(3) == 0 ? random.Next(tenants.Length) : random.Next(4)];
                Interlocked.Increment(ref started);
                Interlocked.Increment(ref active);
                try
                {
                    await using (await runtime.AcquireAsync(tenant))
                    {
                        Observe();
                        if (random.Next(2) == 0)
                        {
                            await Task.Yield();
                        }
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref active);
                }

                Observe();
            }
        }

        using var done = new CancellationTokenSource();
        var observer = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                Observe();
                await Task.Yield();
            }
        });
        var sweeper = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                runtime.EnforceCapacity();
                await Task.Yield();
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(() => WorkAsync(w)))).WaitAsync(TimeSpan.FromSeconds(60));
        await done.CancelAsync();
        await Task.WhenAll(observer, sweeper);

        output.WriteLine($"{observations} observations, {runtime.Counts}");
        Assert.Empty(violations);
        Assert.True(runtime.Counts.Resident <= Capacity, $"{runtime.Counts.Resident} resident at rest");
        Assert.True(runtime.Counts.Unloads > 100, $"only {runtime.Counts.Unloads} unloads");
    }

    private static async Task WorkAsync(TenantRuntime runtime, TenantInfo[] tenants, Random random, Stats stats, Pacing pacing, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var tenant = tenants[random.Next(4) == 0 ? random.Next(tenants.Length) : random.Next(Hot)];
            try
            {
                await using (var lease = await runtime.AcquireAsync(tenant))
                {
                    await UseAsync(lease, tenant, random, stats);
                }

                pacing.Leased(Interlocked.Increment(ref stats.Leases));
            }
            catch (ObjectDisposedException ex)
            {
                Interlocked.Increment(ref stats.ObjectDisposed);
                stats.Disposed.Enqueue(ex);
            }
            catch (Exception ex)
            {
                stats.Unexpected.Enqueue(ex);
            }
        }
    }

    /// <summary>Resolves singleton, scoped, options and host services under the lease, now and then across an await.</summary>
    private static async Task UseAsync(TenantLease lease, TenantInfo tenant, Random random, Stats stats)
    {
        var probe = lease.Services.GetRequiredService<GenerationProbe>();
        probe.Enter(); // From here until Exit, a disposal of this generation is counted against the runtime.
        try
        {
            using var scope = lease.CreateScope();
            var work = scope.ServiceProvider.GetRequiredService<ScopedWork>();
            if (work.Options.Value.Tenant != tenant.Id || work.Probe != probe || work.Host.Disposed)
            {
                stats.Unexpected.Enqueue(new InvalidOperationException($"wrong services for {tenant.Id}"));
            }

            if (random.Next(2) == 0)
            {
                await Task.Yield(); // Hold the lease across an await: a drain queued meanwhile would dispose under it.
            }

            scope.ServiceProvider.GetRequiredService<ScopedWork>();
            if (probe.IsDisposed)
            {
                Interlocked.Increment(ref stats.DisposedUnderLease);
            }
        }
        finally
        {
            probe.Exit();
        }
    }

    /// <summary>Turns lease counts into ticks: for the fake clock, for reloads and host unloads, and the end of the run.</summary>
    private sealed class Pacing(CancellationTokenSource stop) : IDisposable
    {
        public SemaphoreSlim ClockTicks { get; } = new(0);

        public SemaphoreSlim Reloads { get; } = new(0);

        public SemaphoreSlim Unloads { get; } = new(0);

        public void Leased(long leases)
        {
            if (leases % LeasesPerClockTick == 0)
            {
                ClockTicks.Release();
            }

            if (leases % LeasesPerReload == 0)
            {
                Reloads.Release();
                Unloads.Release();
            }

            if (leases == TargetLeases)
            {
                stop.Cancel();
            }
        }

        /// <summary>Waits for the next tick; <see langword="false"/> once the run is over.</summary>
        public async Task<bool> NextAsync(SemaphoreSlim ticks, CancellationToken cancellationToken)
        {
            try
            {
                await ticks.WaitAsync(cancellationToken);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            ClockTicks.Dispose();
            Reloads.Dispose();
            Unloads.Dispose();
        }
    }

    private sealed class Stats
    {
        public readonly ConcurrentQueue<Exception> Unexpected = new();
        public readonly ConcurrentQueue<ObjectDisposedException> Disposed = new();
        public long Leases;
        public long Reloads;
        public long ObjectDisposed;
        public long DisposedUnderLease;
    }

    private sealed class HostCounter : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class StressOptions
    {
        public string? Tenant { get; set; }
    }

    private sealed class ScopedWork(IOptions<StressOptions> options, GenerationProbe probe, HostCounter host)
    {
        public IOptions<StressOptions> Options { get; } = options;

        public GenerationProbe Probe { get; } = probe;

        public HostCounter Host { get; } = host;
    }
}
