using System.Diagnostics.Metrics;

namespace TenantKit.Redis.Tests.Infrastructure;

/// <summary>
/// Reads one node's <c>tenantkit.redis.connected</c> gauge through a <see cref="MeterListener"/>, as a metrics exporter
/// would. Nodes in one process each have their own meter (from their own <see cref="IMeterFactory"/>): only this node's
/// instrument is listened to.
/// </summary>
public sealed class ConnectedGauge : IDisposable
{
    public const string Name = "tenantkit.redis.connected";
    private readonly MeterListener _listener = new();
    private readonly List<int> _readings = [];
    private int _instruments;

    public ConnectedGauge(Node node)
    {
        var factory = node.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == Name && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                Interlocked.Increment(ref _instruments);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
        {
            lock (_readings)
            {
                _readings.Add(value);
            }
        });
        _listener.Start();
    }

    /// <summary>Collects the gauge now and returns what it reports.</summary>
    public int Read()
    {
        Assert.True(_instruments == 1, $"Expected the node's {Name} gauge exactly once, found it {_instruments} times.");
        lock (_readings)
        {
            _readings.Clear();
        }

        _listener.RecordObservableInstruments();
        lock (_readings)
        {
            return Assert.Single(_readings);
        }
    }

    public void Dispose() => _listener.Dispose();
}
