using System.Diagnostics.Metrics;

namespace TenantKit.Redis.Diagnostics;

/// <summary>The instruments of the <c>TenantKit.Redis</c> meter.</summary>
internal sealed class RedisChangeFeedMetrics : IDisposable
{
    public const string MeterName = "TenantKit.Redis";

    private readonly Meter _meter;
    private readonly Counter<long> _published;
    private readonly Counter<long> _received;

    public RedisChangeFeedMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _published = _meter.CreateCounter<long>("tenantkit.redis.messages.published", "{message}", "Change messages this node published, by outcome (success, failure).");
        _received = _meter.CreateCounter<long>("tenantkit.redis.messages.received", "{message}", "Change messages this node received, by result (applied, own, malformed).");
    }

    public void ObserveConnected(Func<bool> connected)
        => _meter.CreateObservableGauge("tenantkit.redis.connected", () => connected() ? 1 : 0, "{connection}", "1 while the node is connected to the Redis change feed, else 0.");

    public void Published(bool succeeded) => _published.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "success" : "failure"));

    public void Received(string result) => _received.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Dispose() => _meter.Dispose();
}
