using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TenantKit.Testing;
using TenantKit.Yarp;
using TenantKit.Yarp.Tests.Proxy;

namespace TenantKit.Scale;

/// <summary>
/// <c>TenantKit.Scale affinity</c>: three TenantKit.MultiNode.Node processes on one PostgreSQL catalog (a database it
/// creates on the server of <c>--postgres</c> or <c>TENANTKIT_TEST_POSTGRES</c>, dropped at the end) and one Redis (a
/// <c>redis-server</c> it starts), behind a YARP proxy in this process; Zipf load over <c>--tenants</c> tenants through
/// the proxy, with the <c>TenantAffinity</c> policy (node c killed after half of <c>--seconds</c>, restarted at three
/// quarters), then with round robin on fresh node processes, for comparison. Writes <c>affinity.md</c> into <c>--out</c>.
/// </summary>
public static class AffinityRun
{
    private static readonly string AdminKey = Guid.NewGuid().ToString("N");

    public static async Task<int> RunAsync(ReadOnlyMemory<string> arguments)
    {
        var tenants = 10_000;
        var seconds = 60.0;
        var connections = 16;
        var output = Path.Combine("benchmarks", "results");
        var postgres = Environment.GetEnvironmentVariable("TENANTKIT_TEST_POSTGRES");
        var args = arguments.Span;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--tenants": tenants = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--connections": connections = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--out": output = args[i + 1]; break;
                case "--postgres": postgres = args[i + 1]; break;
                default: throw new ArgumentException($"Unknown option {args[i]} (affinity takes --tenants, --seconds, --connections, --out, --postgres).");
            }
        }

        if (string.IsNullOrWhiteSpace(postgres))
        {
            Console.Error.WriteLine("affinity needs a PostgreSQL server: --postgres \"Host=...;Username=...;Password=...\" or TENANTKIT_TEST_POSTGRES (a role that may create databases).");
            return 2;
        }

        var report = new StringBuilder();
        void Say(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
        }

        var database = $"tk_scale_affinity_{Guid.NewGuid().ToString("N")[..10]}";
        await ExecuteAsync(postgres, $"CREATE DATABASE \"{database}\"");
        var catalog = new NpgsqlConnectionStringBuilder(postgres) { Database = database, MaxPoolSize = 20 }.ToString();
        await using var redis = await RedisServer.StartAsync();
        var nodes = new Dictionary<string, NodeProcess>();
        try
        {
            Say($"TenantKit affinity run: {tenants:N0} tenants, Zipf s=1, {connections} connections (closed loop), {seconds:0} s per variant, 3 node processes + PostgreSQL + Redis + the proxy on {Environment.ProcessorCount} cores");
            Say(string.Empty);
            foreach (var name in new[] { "a", "b", "c" })
            {
                nodes[name] = await StartNodeAsync(name, catalog, redis.Configuration);
            }

            // A sample through the administration endpoints (each create is one catalog transaction and one change-log row:
            // the catalog's write rate), the rest in one SQL statement (no node has asked for them, so none has anything
            // to invalidate).
            var identifiers = Enumerable.Range(0, tenants).Select(i => $"t{i}").ToArray();
            var sample = Math.Min(500, tenants);
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(identifiers[..sample], new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (identifier, _) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/tenants") { Content = JsonContent.Create(new { identifier, name = identifier }) };
                request.Headers.Add("X-Admin-Key", AdminKey);
                using var response = await nodes["a"].Client.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    throw new InvalidOperationException($"creating {identifier}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            });
            var sampleTime = clock.Elapsed;
            await ExecuteAsync(catalog, string.Create(CultureInfo.InvariantCulture, $"""
                INSERT INTO tenantkit_tenants (id, identifier, name, state, region, owner, properties, version, created_at, updated_at)
                SELECT 'id-t' || g, 't' || g, 't' || g, 0, NULL, NULL, '{"{}"}', 1, now(), now() FROM generate_series({sample}, {tenants - 1}) AS g
                """));
            Say($"Created {sample:N0} tenants through the administration endpoints in {sampleTime.TotalSeconds:0.0} s ({sample / sampleTime.TotalSeconds:0} per second, 16 at a time: the catalog's write rate on this machine), the other {tenants - sample:N0} by SQL.");
            Say(string.Empty);
            Say("| variant | phase | seconds | requests | req/s | failed | active tenants | resident per node (a, b, c, d) | max resident / active | builds per node (a, b, c, d) | builds / active | managed heap MB per node | working set MB per node |");
            Say("|---|---|---:|---:|---:|---:|---:|---|---:|---|---:|---|---|");

            // 1. Affinity: steady, then node c killed, then c restarted.
            var (affinityRoutes, affinityClusters) = TestProxy.OneCluster(Addresses(nodes));
            await using (var proxy = await TestProxy.StartAsync(affinityRoutes, affinityClusters, t => t.WithHostStrategy("{tenant}.localhost")))
            {
                var load = new ZipfLoad(proxy.Client, identifiers, ".localhost");
                var start = await RuntimeAsync(nodes);
                using (var steady = new CancellationTokenSource(TimeSpan.FromSeconds(seconds / 2)))
                {
                    var phase = Stopwatch.StartNew();
                    await load.RunAsync(connections, null, steady.Token);
                    Row(Say, "affinity", "steady", phase.Elapsed, load.Since(0), start, await RuntimeAsync(nodes));
                }

                var owners = load.Since(0).Where(r => r.Node is not null).GroupBy(r => r.Tenant).ToDictionary(g => g.Key, g => g.Last().Node!);
                var mark = load.Completed;
                using var outage = new CancellationTokenSource();
                var outageClock = Stopwatch.StartNew();
                var running = load.RunAsync(connections, null, outage.Token);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, seconds / 8)));
                var killStart = Stopwatch.GetTimestamp();
                await nodes["c"].KillAsync();
                var killEnd = Stopwatch.GetTimestamp();
                await Task.Delay(TimeSpan.FromSeconds(seconds / 4));
                await outage.CancelAsync();
                await running;
                var during = load.Since(mark);
                var cTenants = during.Where(r => r.Start >= killEnd && owners.GetValueOrDefault(r.Tenant) == "c").ToArray();
                var firstServed = cTenants.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.End).DefaultIfEmpty(long.MaxValue).Min();
                Row(Say, "affinity", "c killed", outageClock.Elapsed, during, start, await RuntimeAsync(nodes));
                var failedAfter = during.Count(r => r.Status != HttpStatusCode.OK && r.Start >= killEnd);
                var failedBefore = during.Count(r => r.Status != HttpStatusCode.OK && r.Start < killEnd);
                var failoverMs = firstServed == long.MaxValue ? double.NaN : Stopwatch.GetElapsedTime(killStart, firstServed).TotalMilliseconds;
                var firstTwoSeconds = cTenants.Where(r => Stopwatch.GetElapsedTime(killStart, r.Start) < TimeSpan.FromSeconds(2)).Select(r => Stopwatch.GetElapsedTime(r.Start, r.End).TotalMilliseconds).DefaultIfEmpty(0).Max();
                var outageOwners = during.Where(r => r.Start >= killEnd && r.Node is not null).GroupBy(r => r.Tenant).ToDictionary(g => g.Key, g => g.Last().Node!);

                await nodes["c"].DisposeAsync();
                nodes["c"] = await StartNodeAsync("c", catalog, redis.Configuration);
                var (routes, clusters) = TestProxy.OneCluster(Addresses(nodes));
                proxy.Config.Update(routes, clusters);
                var rejoin = Stopwatch.StartNew();
                var cStart = (await RuntimeAsync(nodes))["c"];
                mark = load.Completed;
                using (var back = new CancellationTokenSource(TimeSpan.FromSeconds(seconds / 4)))
                {
                    await load.RunAsync(connections, null, back.Token);
                }

                var rejoined = load.Since(mark);
                var now = rejoined.Where(r => r.Node is not null).GroupBy(r => r.Tenant).ToDictionary(g => g.Key, g => g.Last().Node!);
                var compared = now.Keys.Where(outageOwners.ContainsKey).ToArray();
                var moved = compared.Count(t => now[t] != outageOwners[t]);
                var movedToC = compared.Count(t => now[t] != outageOwners[t] && now[t] == "c");
                Row(Say, "affinity", "c restarted", rejoin.Elapsed, rejoined, start, await RuntimeAsync(nodes));
                var cEnd = (await RuntimeAsync(nodes))["c"];
                Say(string.Empty);
                Say($"- Kill: {failedBefore} requests failed that were sent before the kill completed (in flight), {failedAfter} after; c's tenants first served by their next choice {failoverMs:0} ms after the kill; slowest request for one of c's tenants in the first 2 s: {firstTwoSeconds:0} ms.");
                Say($"- Restart: of {compared.Length:N0} tenants served both during the outage and after the restart, {moved:N0} moved ({100.0 * moved / Math.Max(1, compared.Length):0.0} %), {movedToC:N0} of them to c; the restarted c built {cEnd.Builds - cStart.Builds:N0} tenants. Their copies on a and b leave by the idle rule (IdleTimeout), not by any message.");

                // A fourth node joins: about a quarter of the tenants should move, all to it, and the others unload nothing.
                nodes["d"] = await StartNodeAsync("d", catalog, redis.Configuration);
                var beforeJoin = await RuntimeAsync(nodes);
                (routes, clusters) = TestProxy.OneCluster(Addresses(nodes));
                proxy.Config.Update(routes, clusters);
                mark = load.Completed;
                var joinClock = Stopwatch.StartNew();
                using (var joined = new CancellationTokenSource(TimeSpan.FromSeconds(seconds / 4)))
                {
                    await load.RunAsync(connections, null, joined.Token);
                }

                var withD = load.Since(mark);
                var afterJoin = await RuntimeAsync(nodes);
                Row(Say, "affinity", "d joined", joinClock.Elapsed, withD, beforeJoin, afterJoin);
                var nowWithD = withD.Where(r => r.Node is not null).GroupBy(r => r.Tenant).ToDictionary(g => g.Key, g => g.Last().Node!);
                var comparedWithD = nowWithD.Keys.Where(now.ContainsKey).ToArray();
                var movedWithD = comparedWithD.Count(t => nowWithD[t] != now[t]);
                var movedToD = comparedWithD.Count(t => nowWithD[t] != now[t] && nowWithD[t] == "d");
                var unloads = string.Join(", ", new[] { "a", "b", "c" }.Select(n => $"{n} {afterJoin[n].Unloads - beforeJoin[n].Unloads}"));
                Say($"- Join: of {comparedWithD.Length:N0} tenants served both before and after d joined, {movedWithD:N0} moved ({100.0 * movedWithD / Math.Max(1, comparedWithD.Length):0.0} %; 1/N = 25 %), {movedToD:N0} of them to d; unloads on a, b, c meanwhile: {unloads}.");
                await nodes["d"].DisposeAsync();
                nodes.Remove("d");
            }

            // 2. Round robin on fresh node processes (nothing resident), the same load.
            foreach (var name in nodes.Keys.ToArray())
            {
                await nodes[name].DisposeAsync();
                nodes[name] = await StartNodeAsync(name, catalog, redis.Configuration);
            }

            var (rrRoutes, rrClusters) = TestProxy.OneCluster(Addresses(nodes), policy: "RoundRobin");
            await using (var proxy = await TestProxy.StartAsync(rrRoutes, rrClusters, t => t.WithHostStrategy("{tenant}.localhost")))
            {
                var load = new ZipfLoad(proxy.Client, identifiers, ".localhost");
                var start = await RuntimeAsync(nodes);
                using var steady = new CancellationTokenSource(TimeSpan.FromSeconds(seconds / 2));
                var phase = Stopwatch.StartNew();
                await load.RunAsync(connections, null, steady.Token);
                Row(Say, "round robin", "steady", phase.Elapsed, load.Since(0), start, await RuntimeAsync(nodes));
            }

            Directory.CreateDirectory(output);
            await File.WriteAllTextAsync(Path.Combine(output, "affinity.md"), report.ToString());
            Console.WriteLine($"Written to {Path.Combine(output, "affinity.md")}.");
            return 0;
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                await node.DisposeAsync();
            }

            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(postgres, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }
    }

    private static void Row(Action<string> say, string variant, string phase, TimeSpan elapsed, ZipfLoad.Record[] records, Dictionary<string, Runtime> start, Dictionary<string, Runtime> end)
    {
        var active = records.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.Tenant).Distinct().Count();
        var failed = records.Count(r => r.Status != HttpStatusCode.OK);
        var names = end.Keys.Order(StringComparer.Ordinal).ToArray();
        var builds = names.Select(n => end[n].Builds - (start.TryGetValue(n, out var s) && s.Builds <= end[n].Builds ? s.Builds : 0)).ToArray();
        say(string.Create(CultureInfo.InvariantCulture,
            $"| {variant} | {phase} | {elapsed.TotalSeconds:0.0} | {records.Length:N0} | {records.Length / elapsed.TotalSeconds:N0} | {failed:N0} | {active:N0} | {string.Join(", ", names.Select(n => end[n].Resident.ToString("N0", CultureInfo.InvariantCulture)))} | {(double)names.Max(n => end[n].Resident) / Math.Max(1, active):0.00} | {string.Join(", ", builds.Select(b => b.ToString("N0", CultureInfo.InvariantCulture)))} | {(double)builds.Sum() / Math.Max(1, active):0.00} | {string.Join(", ", names.Select(n => (end[n].ManagedHeapBytes >> 20).ToString(CultureInfo.InvariantCulture)))} | {string.Join(", ", names.Select(n => (end[n].WorkingSetBytes >> 20).ToString(CultureInfo.InvariantCulture)))} |"));
    }

    private static Dictionary<string, string> Addresses(Dictionary<string, NodeProcess> nodes) => nodes.ToDictionary(n => n.Key, n => n.Value.Address.ToString());

    private static async Task<NodeProcess> StartNodeAsync(string name, string catalog, string redis)
    {
        var assembly = NodeProcess.FindAssembly("TenantKit.MultiNode.Node", typeof(AffinityRun).Assembly);
        return await NodeProcess.StartAsync(name, assembly,
        [
            $"--Node:Id={name}",
            $"--Node:AdminKey={AdminKey}",
            $"--ConnectionStrings:Catalog={catalog}",
            $"--ConnectionStrings:Redis={redis}",
            "--TenantKit:Runtime:Capacity=100000",
            "--Logging:LogLevel:Default=Warning",
        ]);
    }

    private static async Task<Dictionary<string, Runtime>> RuntimeAsync(Dictionary<string, NodeProcess> nodes)
    {
        var readings = await Task.WhenAll(nodes.Values.Where(n => !n.HasExited).Select(async n =>
            JsonSerializer.Deserialize<Runtime>(await n.Client.GetStringAsync("/runtime"), JsonSerializerOptions.Web)!));
        return readings.ToDictionary(r => r.Node);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private sealed record Runtime(string Node, int Resident, int ResidentTotal, long Builds, long Unloads, long ManagedHeapBytes, long WorkingSetBytes);
}
