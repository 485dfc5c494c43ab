using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Diagnostics;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Diagnostics;

public sealed class TenantKitMetricsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TestTenants.Epoch);
    private readonly ControllableTenantStore _store = new(TestTenants.Create("acme"));
    private readonly ConcurrentQueue<(string Instrument, long Value, string? Tag)> _measurements = new();
    private readonly MeterListener _listener = new();
    private ServiceProvider _services = null!;

    public Task InitializeAsync()
    {
        _services = TestServices.Build(_store, _time, b => b.WithDelegateStrategy<string>(s => s));
        var meter = _services.GetRequiredService<TenantKitMetrics>().Meter;

        // Only this container's meter: other tests run in parallel with meters of the same name.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? tag = null;
            foreach (var t in tags)
            {
                tag = t.Value?.ToString();
            }

            _measurements.Enqueue((instrument.Name, value, tag));
        });
        _listener.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public void Meter_IsNamedTenantKit()
    {
        Assert.Equal("TenantKit", _services.GetRequiredService<TenantKitMetrics>().Meter.Name);
    }

    [Fact]
    public async Task CatalogLookups_AreCountedByResult()
    {
        var catalog = _services.GetRequiredService<ITenantCatalog>();

        await catalog.FindByIdentifierAsync("acme");
        await catalog.FindByIdentifierAsync("acme");
        await catalog.FindByIdentifierAsync("ghost");
        await catalog.FindByIdentifierAsync("ghost");

        Assert.Equal(["miss", "hit", "miss", "negative-hit"], Tags("tenantkit.catalog.lookups"));
        Assert.All(_measurements, m => Assert.Equal(1, m.Value));
    }

    [Fact]
    public async Task StaleLookupAndStoreErrors_AreCounted()
    {
        var catalog = _services.GetRequiredService<ITenantCatalog>();
        await catalog.FindByIdentifierAsync("acme");
        _time.Advance(TimeSpan.FromMinutes(10));
        _store.FailWith(new IOException("down"));

        await catalog.FindByIdentifierAsync("acme");
        await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => catalog.FindByIdentifierAsync("globex").AsTask());

        Assert.Equal(["miss", "miss", "stale", "miss"], Tags("tenantkit.catalog.lookups"));
        Assert.Equal(2, Tags("tenantkit.catalog.store_errors").Count);
    }

    [Fact]
    public async Task UnresolvedResolutions_AreCountedByReason()
    {
        var resolver = _services.GetRequiredService<ITenantResolver<string>>();

        await resolver.ResolveAsync("acme");
        await resolver.ResolveAsync("");
        await resolver.ResolveAsync("not valid");
        await resolver.ResolveAsync("ghost");
        _store.FailWith(new IOException("down"));
        await resolver.ResolveAsync("globex");

        Assert.Equal(["NoIdentifier", "InvalidIdentifier", "NotFound", "CatalogUnavailable"], Tags("tenantkit.resolution.unresolved"));
    }

    private List<string?> Tags(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument).Select(m => m.Tag)];
}
