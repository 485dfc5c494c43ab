using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TenantKit.Diagnostics;

/// <summary>
/// The instruments of the <c>TenantKit</c> meter. Counters are added to on the hot path only when a listener is
/// enabled; gauges are observed from the runtime's counts when a collector asks.
/// </summary>
internal sealed class TenantKitMetrics : IDisposable
{
    public const string MeterName = "TenantKit";
    public const string Hit = "hit";
    public const string NegativeHit = "negative-hit";
    public const string Miss = "miss";
    public const string Stale = "stale";

    private readonly Meter _meter;
    private readonly Counter<long> _catalogLookups;
    private readonly Counter<long> _storeErrors;
    private readonly Counter<long> _unresolved;
    private readonly Counter<long> _builds;
    private readonly Histogram<double> _buildDuration;
    private readonly Counter<long> _unloads;
    private readonly Counter<long> _leases;

    public TenantKitMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _catalogLookups = _meter.CreateCounter<long>("tenantkit.catalog.lookups", "{lookup}", "Catalog lookups by identifier, by result (hit, negative-hit, miss, stale).");
        _storeErrors = _meter.CreateCounter<long>("tenantkit.catalog.store_errors", "{error}", "Tenant store calls that failed.");
        _unresolved = _meter.CreateCounter<long>("tenantkit.resolution.unresolved", "{resolution}", "Resolutions that found no active tenant, by reason.");
        _builds = _meter.CreateCounter<long>("tenantkit.runtime.builds", "{build}", "Tenant container builds, by outcome.");
        _buildDuration = _meter.CreateHistogram<double>("tenantkit.runtime.build.duration", "s", "How long tenant container builds take, hooks and hosted services included.");
        _unloads = _meter.CreateCounter<long>("tenantkit.runtime.unloads", "{unload}", "Tenant generations unloaded, by reason.");
        _leases = _meter.CreateCounter<long>("tenantkit.runtime.leases", "{lease}", "Leases handed out on tenant generations.");
    }

    public Meter Meter => _meter;

    public void CatalogLookup(string result)
    {
        if (_catalogLookups.Enabled)
        {
            _catalogLookups.Add(1, new KeyValuePair<string, object?>("result", result));
        }
    }

    public void StoreError() => _storeErrors.Add(1);

    public void Unresolved(TenantResolutionStatus status)
    {
        if (_unresolved.Enabled)
        {
            _unresolved.Add(1, new KeyValuePair<string, object?>("reason", status.ToString()));
        }
    }

    public void Build(bool succeeded, TimeSpan duration)
    {
        var outcome = new KeyValuePair<string, object?>("outcome", succeeded ? "success" : "failure");
        _builds.Add(1, outcome);
        _buildDuration.Record(duration.TotalSeconds, outcome);
    }

    public void Unload(string reason) => _unloads.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Lease()
    {
        if (_leases.Enabled)
        {
            _leases.Add(1);
        }
    }

    public void ObserveRuntime(Func<int> resident, Func<long> leasesOut)
    {
        _meter.CreateObservableGauge("tenantkit.runtime.resident", resident, "{tenant}", "Tenants whose container is in memory.");
        _meter.CreateObservableGauge("tenantkit.runtime.leases_out", leasesOut, "{lease}", "Leases currently held on tenant generations.");
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>The <c>TenantKit</c> activity source, for tenant build spans.</summary>
internal static class TenantKitActivity
{
    public static readonly ActivitySource Source = new(TenantKitMetrics.MeterName);
}
