using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace TenantKit.Testing;

/// <summary>
/// Closed-loop load through a proxy: each worker sends <c>GET /whoami</c> for a tenant drawn from a Zipf distribution
/// (s = 1: the tenant of rank k is asked 1/k as often as the first) and records when it started and ended, the status and
/// the node that answered. No assertions: the cluster test and the scale tool read the records.
/// </summary>
public sealed class ZipfLoad(HttpClient proxy, IReadOnlyList<string> tenants, string hostSuffix, double exponent = 1.0, int seed = 1)
{
    private readonly double[] _cumulative = Cumulative(tenants.Count, exponent);
    private readonly ConcurrentQueue<Record> _records = new();
    private int _seed = seed;

    /// <summary>One request: the tenant, its start and end (<see cref="Stopwatch"/> timestamps), status (0 = no answer) and node.</summary>
    public sealed record Record(string Tenant, long Start, long End, HttpStatusCode Status, string? Node, string? Error);

    public IReadOnlyCollection<Record> Records => _records;

    public int Completed => _records.Count;

    /// <summary>Runs <paramref name="workers"/> loops until <paramref name="requests"/> were sent (all of them, when given) or <paramref name="stop"/> is cancelled.</summary>
    public Task RunAsync(int workers, int? requests, CancellationToken stop)
    {
        var sent = new StrongBox<int>();
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkerAsync(new Random(Interlocked.Increment(ref _seed)), requests, sent, stop)));
    }

    /// <summary>The records from <paramref name="fromIndex"/> on, as an array (the queue keeps arrival order).</summary>
    public Record[] Since(int fromIndex) => [.. _records.Skip(fromIndex)];

    private async Task WorkerAsync(Random random, int? requests, StrongBox<int> sent, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && (requests is not { } limit || Interlocked.Increment(ref sent.Value) <= limit))
        {
            var tenant = tenants[Sample(random)];
            using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
            request.Headers.Host = tenant + hostSuffix;
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var response = await proxy.SendAsync(request, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                string? node = null;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var json = JsonDocument.Parse(body);
                    node = json.RootElement.GetProperty("node").GetString();
                }

                _records.Enqueue(new Record(tenant, start, Stopwatch.GetTimestamp(), response.StatusCode, node, response.StatusCode == HttpStatusCode.OK ? null : body));
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                _records.Enqueue(new Record(tenant, start, Stopwatch.GetTimestamp(), 0, null, e.Message));
            }
        }
    }

    private int Sample(Random random)
    {
        var index = Array.BinarySearch(_cumulative, random.NextDouble() * _cumulative[^1]);
        return Math.Min(index < 0 ? ~index : index, _cumulative.Length - 1);
    }

    private static double[] Cumulative(int count, double exponent)
    {
        var cumulative = new double[count];
        var sum = 0.0;
        for (var k = 0; k < count; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, exponent);
            cumulative[k] = sum;
        }

        return cumulative;
    }
}
