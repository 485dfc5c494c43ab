using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TenantKit.Tests.Runtime;

public class StatusAndMetricsTests
{
    [Fact]
    public async Task GetStatus_UnknownTenant_IsNull()
    {
        await using var h = RuntimeHarness.Create("acme");

        Assert.Null(h.Runtime.GetStatus("acme"));
        Assert.Empty(h.Runtime.GetStatuses());
        Assert.Equal(default, h.Runtime.Counts);
    }

    [Fact]
    public async Task GetStatus_FollowsATenantThroughLeasesIdleTimeAndUnload()
    {
        await using var h = RuntimeHarness.Create("acme");
        var lease = await h.AcquireAsync("acme");

        var leased = h.Status("acme");
        Assert.Equal(("acme", "acme", true, 1L, false, 1), (leased.TenantId, leased.Identifier, leased.IsResident, leased.Generation, leased.IsBuilding, leased.LeasesOut));
        Assert.Equal(RuntimeHarness.Epoch, leased.LastAccess);
        Assert.Null(leased.IdleTimeLeft); // Leased: the idle clock is not running.
        Assert.Null(leased.LastUnloadReason);
        Assert.Null(leased.LastError);

        h.Time.Advance(TimeSpan.FromMinutes(5));
        lease.Dispose();
        h.Time.Advance(TimeSpan.FromMinutes(10));

        var idle = h.Status("acme");
        Assert.Equal(0, idle.LeasesOut);
        Assert.Equal(RuntimeHarness.Epoch + TimeSpan.FromMinutes(5), idle.LastAccess);
        Assert.Equal(TimeSpan.FromMinutes(20), idle.IdleTimeLeft);

        h.Time.Advance(TimeSpan.FromMinutes(20));

        var gone = h.Status("acme");
        Assert.False(gone.IsResident);
        Assert.Equal((false, false), (gone.IsResident, gone.IsBuilding));
        Assert.Equal(1, gone.Generation);
        Assert.Equal(TenantUnloadReason.Idle, gone.LastUnloadReason);
        Assert.Equal(RuntimeHarness.Epoch + TimeSpan.FromMinutes(35), gone.LastUnloadAt);
        Assert.Null(gone.LastAccess);
        Assert.Null(gone.IdleTimeLeft);
    }

    [Fact]
    public async Task GetStatus_WhileBuilding_ShowsBuilding()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.OnTenantActivated(async (_, _, _) => await gate.Task));
        var acquiring = h.AcquireAsync("acme");
        await Eventually.UntilAsync(() => h.Runtime.GetStatus("acme") is not null, "the build started");

        var building = h.Status("acme");
        Assert.False(building.IsResident);
        Assert.Equal((false, true), (building.IsResident, building.IsBuilding));
        Assert.Equal(1, h.Runtime.Counts.Building);

        gate.SetResult();
        (await acquiring).Dispose();
        Assert.Equal((true, false), (h.Status("acme").IsResident, h.Status("acme").IsBuilding));
        Assert.Equal(0, h.Runtime.Counts.Building);
    }

    [Fact]
    public async Task GetStatuses_ListsEveryTenantByIdentifier_AndCountsAddUp()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("charlie", "alpha", "bravo", "bad"),
            b => b.ConfigureTenantServices((t, _) =>
            {
                if (t.Id == "bad")
                {
                    throw new InvalidOperationException("no");
                }
            }));
        var charlie = await h.AcquireAsync("charlie");
        var alpha1 = await h.AcquireAsync("alpha");
        var alpha2 = await h.AcquireAsync("alpha");
        await h.TouchAsync("bravo");
        await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));

        Assert.Equal(["alpha", "bad", "bravo", "charlie"], h.Runtime.GetStatuses().Select(s => s.Identifier));
        Assert.Equal([2, 0, 0, 1], h.Runtime.GetStatuses().Select(s => s.LeasesOut));
        var counts = h.Runtime.Counts;
        Assert.Equal(new TenantRuntimeCounts(resident: 3, building: 0, draining: 0, leasesOut: 3, builds: 3, failedBuilds: 1, unloads: 0), counts);

        using (h.HostScope())
        {
            h.Runtime.Unload("charlie");
        }

        Assert.Equal(2, h.Runtime.Counts.Resident);
        Assert.Equal(2, h.Runtime.Counts.LeasesOut);
        charlie.Dispose();
        await h.Probes.For("charlie")[0].WaitDisposedAsync();
        await h.Runtime.WaitForUnloadAsync("charlie").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, h.Runtime.Counts.Unloads);
        Assert.Equal(0, h.Runtime.Counts.Draining);
        alpha1.Dispose();
        alpha2.Dispose();
    }

    [Fact]
    public async Task Meter_RecordsBuildsUnloadsByReasonAndResidentTenants()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b", "bad"),
            b => b.ConfigureTenantServices((t, _) =>
            {
                if (t.Id == "bad")
                {
                    throw new InvalidOperationException("no");
                }
            }));
        var meter = h.Metrics.Meter;
        _ = h.Runtime;
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Format(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Format(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Format(tags))));
        listener.Start();

        var a = await h.TouchAsync("a");
        await h.TouchAsync("b");
        await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("bad"));
        listener.RecordObservableInstruments();
        Assert.Equal(2, Last(measurements, "tenantkit.runtime.resident"));
        Assert.Equal(0, Last(measurements, "tenantkit.runtime.leases_out"));

        using (h.HostScope())
        {
            h.Runtime.Unload("a");
        }

        await a.WaitDisposedAsync();
        h.Time.Advance(TimeSpan.FromMinutes(30)); // "b" goes idle.
        await h.Probes.For("b")[0].WaitDisposedAsync();
        await Eventually.UntilAsync(() => measurements.Count(m => m.Instrument == "tenantkit.runtime.unloads") == 2, "both unloads are recorded");
        listener.RecordObservableInstruments();

        Assert.Equal(2, measurements.Count(m => m is { Instrument: "tenantkit.runtime.builds", Tags: "outcome=success" }));
        Assert.Equal(1, measurements.Count(m => m is { Instrument: "tenantkit.runtime.builds", Tags: "outcome=failure" }));
        Assert.Equal(3, measurements.Count(m => m.Instrument == "tenantkit.runtime.build.duration"));
        Assert.Equal(
            ["reason=Idle", "reason=Requested"],
            measurements.Where(m => m.Instrument == "tenantkit.runtime.unloads").Select(m => m.Tags).Order());
        Assert.Equal(2, measurements.Count(m => m.Instrument == "tenantkit.runtime.leases"));
        Assert.Equal(0, Last(measurements, "tenantkit.runtime.resident"));
    }

    private static double Last(IEnumerable<(string Instrument, double Value, string Tags)> measurements, string instrument)
        => measurements.Last(m => m.Instrument == instrument).Value;

    private static string Format(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>();
        foreach (var tag in tags)
        {
            parts.Add($"{tag.Key}={tag.Value}");
        }

        return string.Join(",", parts);
    }
}
