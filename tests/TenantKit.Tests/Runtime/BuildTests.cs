using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

public class BuildTests
{
    [Fact]
    public async Task AcquireAsync_OneThousandConcurrentAcquiresOfAColdTenant_BuildOnce()
    {
        const int Callers = 1000;
        var configured = 0;
        var activated = 0;
        var entered = 0;
        var allEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b
            .ConfigureTenantServices((_, _) => Interlocked.Increment(ref configured))
            .OnTenantActivated(async (_, _, _) =>
            {
                Interlocked.Increment(ref activated);
                await allEntered.Task; // Hold the build until every caller is in.
            }));
        var tenant = await h.TenantAsync("acme");
        var runtime = h.Runtime;
        using var start = new ManualResetEventSlim();

        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            if (Interlocked.Increment(ref entered) == Callers)
            {
                allEntered.SetResult();
            }

            return await runtime.AcquireAsync(tenant);
        })).ToArray();
        start.Set();
        var leases = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, configured);
        Assert.Equal(1, activated);
        Assert.Equal(1, runtime.Counts.Builds);
        Assert.All(leases, l => Assert.Equal(1, l.GenerationNumber));
        Assert.Single(leases.Select(l => l.Services).Distinct());
        Assert.Equal(Callers, runtime.Counts.LeasesOut);
        foreach (var lease in leases)
        {
            lease.Dispose();
        }

        Assert.Equal(0, runtime.Counts.LeasesOut);
    }

    [Fact]
    public async Task Builds_NeverMoreInFlightThanMaxConcurrentBuilds()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        var entered = 0;
        var twoIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thirdIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gates = new ConcurrentQueue<TaskCompletionSource>();
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants(8), b => b
            .ConfigureRuntime(o => o.MaxConcurrentBuilds = 2)
            .OnTenantActivated(async (_, _, _) =>
            {
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref maxInFlight, now);
                var n = Interlocked.Increment(ref entered);
                if (n == 2)
                {
                    twoIn.SetResult();
                }
                else if (n == 3)
                {
                    thirdIn.SetResult();
                }

                var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                gates.Enqueue(gate);
                await gate.Task;
                Interlocked.Decrement(ref inFlight);
            }));
        var tenants = new List<TenantInfo>();
        for (var i = 0; i < 8; i++)
        {
            tenants.Add(await h.TenantAsync($"t{i:000}"));
        }

        var acquires = tenants.Select(t => h.Runtime.AcquireAsync(t).AsTask()).ToArray();
        Assert.Equal(8, h.Runtime.Counts.Building);
        await twoIn.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Two builds hold their slots; the six others queue for one (or, were the bound broken, a third gets in). Once all
        // six are queued, none can start until a slot is released: no third build, however long we would wait.
        await Eventually.UntilAsync(() => h.Runtime.BuildsWaitingForASlot == 6 || thirdIn.Task.IsCompleted, "the six other builds queue for a slot");
        Assert.False(thirdIn.Task.IsCompleted, "a third build started while two held both slots");
        Assert.Equal(2, Volatile.Read(ref inFlight));
        Assert.Equal(6, h.Runtime.BuildsWaitingForASlot);

        // Let them through one at a time: each finished build lets exactly one more in.
        var released = 0;
        while (released < 8)
        {
            await Eventually.UntilAsync(() => !gates.IsEmpty, "a build waits at its gate");
            Assert.True(gates.TryDequeue(out var gate));
            gate.SetResult();
            released++;
        }

        var leases = await Task.WhenAll(acquires).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, maxInFlight);
        Assert.Equal(8, entered);
        foreach (var lease in leases)
        {
            lease.Dispose();
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

public class FailedBuildTests
{
    private static RuntimeHarness Create(HashSet<string> failing, ConcurrentDictionary<string, int> builds)
        => RuntimeHarness.Create(RuntimeHarness.Tenants("bad", "good"), b => b
            .ConfigureRuntime(o =>
            {
                o.BuildRetryDelay = TimeSpan.FromSeconds(5);
                o.MaxBuildRetryDelay = TimeSpan.FromSeconds(20);
            })
            .ConfigureTenantServices((tenant, _) =>
            {
                builds.AddOrUpdate(tenant.Id, 1, (_, n) => n + 1);
                lock (failing)
                {
                    if (failing.Contains(tenant.Id))
                    {
                        throw new InvalidOperationException($"boom {tenant.Id}");
                    }
                }
            }));

    [Fact]
    public async Task AcquireAsync_BuildFails_ThrowsTenantLoadExceptionWithRetryAfter()
    {
        var builds = new ConcurrentDictionary<string, int>();
        await using var h = Create(["bad"], builds);

        var ex = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));

        Assert.Equal("bad", ex.TenantId);
        Assert.Equal("bad", ex.Identifier);
        Assert.Equal(TimeSpan.FromSeconds(5), ex.RetryAfter);
        Assert.Equal("boom bad", Assert.IsType<InvalidOperationException>(ex.InnerException).Message);
        var status = h.Status("bad");
        Assert.False(status.IsResident);
        Assert.Equal((false, false, true), (status.IsResident, status.IsBuilding, status.LastError is not null));
        Assert.Equal("boom bad", status.LastError);
        Assert.Equal(RuntimeHarness.Epoch + TimeSpan.FromSeconds(5), status.RetryAt);
        Assert.Equal(1, h.Runtime.Counts.FailedBuilds);
        Assert.Single(h.Logs.WithEventId(3002));
    }

    [Fact]
    public async Task AcquireAsync_DuringBackoff_FailsFastWithoutANewBuild()
    {
        var builds = new ConcurrentDictionary<string, int>();
        await using var h = Create(["bad"], builds);
        await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));

        h.Time.Advance(TimeSpan.FromSeconds(2));
        var ex = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));

        Assert.Equal(TimeSpan.FromSeconds(3), ex.RetryAfter);
        Assert.Equal("boom bad", ex.InnerException?.Message);
        Assert.Equal(1, builds["bad"]);
    }

    [Fact]
    public async Task AcquireAsync_AfterBackoff_RetriesTheBuild()
    {
        var builds = new ConcurrentDictionary<string, int>();
        HashSet<string> failing = ["bad"];
        await using var h = Create(failing, builds);
        await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));
        lock (failing)
        {
            failing.Clear();
        }

        h.Time.Advance(TimeSpan.FromSeconds(5));
        await using var lease = await h.AcquireAsync("bad");

        Assert.Equal(2, builds["bad"]);
        var status = h.Status("bad");
        Assert.True(status.IsResident);
        Assert.Null(status.LastError);
        Assert.Null(status.RetryAt);
    }

    [Fact]
    public async Task AcquireAsync_RepeatedFailures_BackoffDoublesUpToTheMaximum()
    {
        var builds = new ConcurrentDictionary<string, int>();
        await using var h = Create(["bad"], builds);
        var delays = new List<TimeSpan>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var ex = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));
            delays.Add(ex.RetryAfter);

            // One tick short of the back-off, the runtime still refuses without building.
            h.Time.Advance(ex.RetryAfter - TimeSpan.FromTicks(1));
            await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));
            h.Time.Advance(TimeSpan.FromTicks(1));
        }

        Assert.Equal([5, 10, 20, 20, 20], delays.Select(d => d.TotalSeconds));
        Assert.Equal(5, builds["bad"]);
    }

    [Fact]
    public async Task AcquireAsync_OneTenantFailing_OtherTenantIsServed()
    {
        var builds = new ConcurrentDictionary<string, int>();
        await using var h = Create(["bad"], builds);
        await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));

        await using var lease = await h.AcquireAsync("good");

        Assert.Equal("good", lease.Tenant.Id);
        Assert.True(h.IsResident("good"));
        Assert.Null(h.Status("good").LastError);
        await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));
    }

    [Fact]
    public async Task AcquireAsync_ConcurrentCallersOfAFailingBuild_AllGetTheErrorFromOneBuild()
    {
        var builds = new ConcurrentDictionary<string, int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("bad"), b => b.OnTenantActivated(async (t, _, _) =>
        {
            builds.AddOrUpdate(t.Id, 1, (_, n) => n + 1);
            await gate.Task;
            throw new InvalidOperationException("warm-up failed");
        }));
        var tenant = await h.TenantAsync("bad");
        var callers = Enumerable.Range(0, 50).Select(_ => h.Runtime.AcquireAsync(tenant).AsTask()).ToArray();

        gate.SetResult();

        foreach (var caller in callers)
        {
            var ex = await Assert.ThrowsAsync<TenantLoadException>(() => caller);
            Assert.Equal("warm-up failed", ex.InnerException?.Message);
        }

        Assert.Equal(1, builds["bad"]);
    }
}
