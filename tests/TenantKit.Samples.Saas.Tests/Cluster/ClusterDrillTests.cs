using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using TenantKit.MultiNode.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TenantKit.Samples.Saas.Tests.Cluster;

/// <summary>
/// The failure drills of docs/deployment.md, on the cluster <c>eng/cluster.sh</c> starts (two sample nodes, real
/// PostgreSQL and Redis, real processes): a plan's budget is counted across both nodes (Redis rate limits wired by
/// configuration alone); a suspension made through node a's administration endpoints is enforced by
/// node b within 1 s with Redis, and within the fallback poll interval once Redis is killed; killing node b costs only
/// its own requests while node a keeps answering; node b started again (its restart script) serves the current catalog;
/// TERM (Ctrl+C) stops everything the script started. Through the front the script starts (the sample front, YARP with
/// TenantKit.Yarp's TenantAffinity): every request for a tenant succeeds and lands on one node, the same whether the
/// tenant is named by host or by path; once node b is killed its tenants are served by node a within 2 s, and once it
/// is back they return to it. The measured times are written to the test output.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterDrillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FallbackPollInterval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task TheClusterScript_SharesBudgets_AndSurvivesTheDrills_RedisDown_NodeKilled_NodeRestarted_AndStopsEverything()
    {
        await using var cluster = await ClusterScript.StartAsync(
            nodes: 2,
            settings:
            [
                // acme (free plan): 20 requests an hour, for the budget check. globex (pro plan), polled many times a
                // second by the drills: a budget out of the way.
                "--Sample:Plans:free:PermitLimit=20",
                "--Sample:Plans:free:Window=01:00:00",
                "--Sample:Plans:pro:PermitLimit=1000000",
                $"--TenantKit:Catalog:FallbackChangePollInterval={FallbackPollInterval:c}",
            ],
            timeout: TimeSpan.FromSeconds(150));
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var a = cluster.Nodes["a"];
        var b = cluster.Nodes["b"];
        var tenants = await ListTenantsAsync(client, cluster, a);
        var globex = tenants["globex"];

        // The sample's plans are counted in Redis: acme's 20 requests are 20 over both nodes, not 20 on each.
        var statuses = new List<HttpStatusCode>();
        foreach (var node in new[] { a, b })
        {
            for (var i = 0; i < 15; i++)
            {
                statuses.Add(await StatusAsync(client, node, "acme"));
            }
        }

        Assert.True(
            statuses.Count(s => s == HttpStatusCode.OK) == 20 && statuses.Count(s => s == HttpStatusCode.TooManyRequests) == 10,
            $"acme's budget of 20 over two nodes: {string.Join(", ", statuses.Select(s => (int)s))}");
        Assert.All(statuses.Skip(15).Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));

        // The front: eight tenants (pro plan) created through it; each asked three times by host name and once by path
        // base, all answered 200, by one node each (X-Sample-Node), the same by either strategy; both nodes own some.
        var front = cluster.Front ?? throw new InvalidOperationException("eng/cluster.sh started no front.\n" + cluster.Describe());
        var affinityClock = Stopwatch.StartNew();
        string[] shops = [.. Enumerable.Range(0, 8).Select(i => $"shop{i}")];
        foreach (var shop in shops)
        {
            await CreateTenantAsync(client, cluster, front.Port, shop);
        }

        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var shop in shops)
        {
            var answers = new List<(HttpStatusCode Status, string? Node)>();
            for (var i = 0; i < 3; i++)
            {
                answers.Add(await ViaFrontAsync(client, front, shop));
            }

            answers.Add(await ViaFrontAsync(client, front, shop, byPath: true));
            var seen = string.Join(", ", answers.Select(x => $"{(int)x.Status} from {x.Node ?? "no node"}"));
            Assert.True(answers.All(x => x.Status == HttpStatusCode.OK), $"{shop} through the front: {seen}");
            owners[shop] = Assert.Single(answers.Select(x => x.Node).Distinct()) ?? throw new InvalidOperationException($"{shop}: no X-Sample-Node header");
        }

        Assert.Equal(["a", "b"], owners.Values.Distinct().Order());
        string[] shopsOfB = [.. shops.Where(shop => owners[shop] == "b")];
        output.WriteLine($"Front: {shops.Length} tenants created and asked {shops.Length * 4} times through it in {Ms(affinityClock.Elapsed)}; owners {string.Join(", ", owners.Select(o => $"{o.Key} {o.Value}"))}.");

        // Both nodes serve globex (so node b has it cached and resident: a change must reach its cache).
        foreach (var node in new[] { a, b })
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, node, "globex"));
        }

        // Drill 1, Redis up: a suspension (then a resumption) on node a reaches node b within 1 s.
        var suspended = await ActAsync(client, cluster, a, globex, "suspend");
        var suspendSeen = await Eventually.UntilAsync("node b refuses the suspended globex", TimeSpan.FromSeconds(1), Probe(client, b, "globex", HttpStatusCode.Forbidden), cluster.Describe);
        await ActAsync(client, cluster, a, globex, "resume");
        var resumeSeen = await Eventually.UntilAsync("node b serves globex again", TimeSpan.FromSeconds(1), Probe(client, b, "globex", HttpStatusCode.OK), cluster.Describe);
        output.WriteLine($"Redis up: suspend seen on b after {Ms(suspendSeen)}, resume after {Ms(resumeSeen)} (the suspend call took {Ms(suspended)}).");

        // Drill 2, Redis down: killed; the nodes notice (health Degraded, still 200) and poll the change log instead.
        var killedRedis = Stopwatch.StartNew();
        ClusterScript.Signal(cluster.RedisProcessId, "KILL");
        foreach (var node in new[] { a, b })
        {
            await Eventually.UntilAsync($"node {node.Name} reports the change feed Degraded", TimeSpan.FromSeconds(30), async () =>
            {
                if (await node.HealthAsync(client) is not { } health)
                {
                    return (false, "no answer");
                }

                var feed = health.GetProperty("checks").TryGetProperty("tenantkit-change-feed", out var f) ? f.GetProperty("status").GetString() : null;
                return (feed == "Degraded" && health.GetProperty("status").GetString() == "Degraded", health.ToString());
            }, cluster.Describe);
        }

        var noticed = killedRedis.Elapsed;
        var suspendedWithoutRedis = await ActAsync(client, cluster, a, globex, "suspend");
        var suspendPolled = await Eventually.UntilAsync("node b refuses the suspended globex without Redis", FallbackPollInterval + TimeSpan.FromSeconds(1), Probe(client, b, "globex", HttpStatusCode.Forbidden), cluster.Describe);
        await ActAsync(client, cluster, a, globex, "resume");
        var resumePolled = await Eventually.UntilAsync("node b serves globex again without Redis", FallbackPollInterval + TimeSpan.FromSeconds(1), Probe(client, b, "globex", HttpStatusCode.OK), cluster.Describe);
        output.WriteLine($"Redis down: both nodes Degraded {Ms(noticed)} after the kill; suspend seen on b after {Ms(suspendPolled)}, resume after {Ms(resumePolled)} (poll interval {Ms(FallbackPollInterval)}; the suspend call took {Ms(suspendedWithoutRedis)}).");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, a, "globex"));

        // Drill 3, node b killed (SIGKILL) under load: node a answers every request before, during and after; only node
        // b's requests fail. Through the front, node a's tenants stay on node a, and node b's are served by node a
        // within 2 s of the kill.
        using var load = new CancellationTokenSource();
        var onA = RepeatAsync(client, a, "globex", load.Token);
        var onB = RepeatAsync(client, b, "globex", load.Token);
        var viaFront = RepeatViaFrontAsync(client, front, shops, load.Token);
        await Eventually.UntilAsync("both nodes and the front served some load", TimeSpan.FromSeconds(10), () => Task.FromResult((onA.Results.Count > 5 && onB.Results.Count > 5 && viaFront.Results.Count > shops.Length, $"a {onA.Results.Count}, b {onB.Results.Count}, front {viaFront.Results.Count}")));
        var bBeforeKill = onB.Results.Count;
        var killedAt = viaFront.Clock.Elapsed;
        ClusterScript.Signal(b.ProcessId, "KILL");
        await Eventually.UntilAsync("node b is gone", TimeSpan.FromSeconds(10), () => Task.FromResult((!ClusterScript.IsRunning(b.ProcessId), "running")));
        var aAtKill = onA.Results.Count;
        await Eventually.UntilAsync("node a served 20 more requests after the kill", TimeSpan.FromSeconds(20), () => Task.FromResult((onA.Results.Count >= aAtKill + 20, $"{onA.Results.Count - aAtKill}")));
        await Eventually.UntilAsync("node a served each of node b's tenants through the front", TimeSpan.FromSeconds(10), () =>
        {
            var served = shopsOfB.Where(shop => viaFront.Results.Any(r => r.Tenant == shop && r.Started >= killedAt && r.Outcome == "200" && r.Node == "a")).ToArray();
            return Task.FromResult((served.Length == shopsOfB.Length, $"served: {string.Join(", ", served)}"));
        }, cluster.Describe);
        await load.CancelAsync();
        await Task.WhenAll(onA.Loop, onB.Loop, viaFront.Loop);
        var aResults = onA.Results.ToArray();
        var bResults = onB.Results.ToArray();
        Assert.All(aResults, r => Assert.Equal("200", r));
        Assert.Contains(bResults.Skip(bBeforeKill), r => r != "200");
        Assert.Equal("200", Assert.Single(bResults.Take(bBeforeKill).Distinct()));
        output.WriteLine($"Node b killed: node a answered {aResults.Length} of {aResults.Length} requests with 200 ({aResults.Length - aAtKill} after the kill); node b answered {bBeforeKill} before, then failed {bResults.Skip(bBeforeKill).Count(r => r != "200")} ({string.Join(", ", bResults.Skip(bBeforeKill).Where(r => r != "200").Distinct())}).");

        // Through the front: node a's tenants answered by node a throughout; node b's by node b until the kill, then each
        // by node a within 2 s of it, and every request for them sent 2 s or more after the kill answered by node a.
        var frontResults = viaFront.Results.ToArray();
        Assert.All(frontResults.Where(r => owners[r.Tenant] == "a"), r => Assert.Equal(("200", "a"), (r.Outcome, r.Node)));
        Assert.All(frontResults.Where(r => owners[r.Tenant] == "b" && r.Ended < killedAt), r => Assert.Equal(("200", "b"), (r.Outcome, r.Node)));
        var failover = shopsOfB.ToDictionary(shop => shop, shop => frontResults.First(r => r.Tenant == shop && r.Started >= killedAt && r.Outcome == "200" && r.Node == "a").Ended - killedAt);
        Assert.True(failover.Values.All(t => t < TimeSpan.FromSeconds(2)), $"node b's tenants first served by node a after: {string.Join(", ", failover.Select(f => $"{f.Key} {Ms(f.Value)}"))}");
        Assert.All(frontResults.Where(r => owners[r.Tenant] == "b" && r.Started >= killedAt + TimeSpan.FromSeconds(2)), r => Assert.Equal(("200", "a"), (r.Outcome, r.Node)));
        var frontFailures = frontResults.Where(r => r.Outcome != "200").ToArray();
        output.WriteLine($"Node b killed, through the front: {frontResults.Length} requests, {frontFailures.Length} failed ({string.Join(", ", frontFailures.Select(r => $"{r.Tenant} {r.Outcome} at +{Ms(r.Ended - killedAt)}"))}); node b's tenants first served by node a after {string.Join(", ", failover.Select(f => $"{f.Key} {Ms(f.Value)}"))}; the slowest request for one of them after the kill took {Ms(frontResults.Where(r => owners[r.Tenant] == "b" && r.Ended >= killedAt).Max(r => r.Ended - r.Started))}.");

        // Meanwhile, a change on node a while node b is down: the restarted node b must see it.
        await ActAsync(client, cluster, a, globex, "suspend");

        // Drill 4, node b started again with its restart script: ready (health 200) and serving the current catalog.
        var restart = Stopwatch.StartNew();
        var restarted = b with { ProcessId = cluster.Restart(b) };
        await Eventually.UntilAsync("the restarted node b answers /health", TimeSpan.FromSeconds(90), async () =>
        {
            var health = await restarted.HealthAsync(client);
            return (health?.GetProperty("status").GetString() is "Healthy" or "Degraded", health?.ToString() ?? "no answer");
        }, cluster.Describe);
        var ready = restart.Elapsed;
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, restarted, "globex"));
        await ActAsync(client, cluster, a, globex, "resume");
        var resumeAfterRestart = await Eventually.UntilAsync("the restarted node b serves globex again", FallbackPollInterval + TimeSpan.FromSeconds(1), Probe(client, restarted, "globex", HttpStatusCode.OK), cluster.Describe);
        output.WriteLine($"Node b restarted (Redis still down): ready after {Ms(ready)}; it refused globex, suspended while it was down, at once; globex resumed on a was served by b {Ms(resumeAfterRestart)} later (globex built on b meanwhile).");

        // The front's active health check sees node b again: its tenants return to it.
        var returned = await Eventually.UntilAsync("the front sends node b's tenants to node b again", TimeSpan.FromSeconds(10), async () =>
        {
            var answers = new List<string>();
            foreach (var shop in shopsOfB)
            {
                var (status, node) = await ViaFrontAsync(client, front, shop);
                answers.Add($"{shop} {(int)status} from {node ?? "no node"}");
            }

            return (answers.All(x => x.EndsWith(" 200 from b", StringComparison.Ordinal)), string.Join(", ", answers));
        }, cluster.Describe);
        output.WriteLine($"Through the front, node b's tenants were answered by node b again {Ms(returned)} after it was ready.");

        // Ctrl+C (TERM): the script stops every node and Redis it started.
        ClusterScript.Signal(restarted.ProcessId, "TERM");
        Assert.True(await cluster.StopAsync(TimeSpan.FromSeconds(30)), "eng/cluster.sh did not stop within 30 s of TERM.\n" + cluster.Describe());
        Assert.False(ClusterScript.IsRunning(a.ProcessId), "node a outlived the script");
        Assert.False(ClusterScript.IsRunning(front.ProcessId), "the front outlived the script");
        Assert.Contains("cluster: stopped", cluster.Describe(), StringComparison.Ordinal);
    }

    private static string Ms(TimeSpan time) => $"{time.TotalMilliseconds:0} ms";

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, ClusterNode node, string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{node.Port}/");
        request.Headers.Host = $"{tenant}.localhost:{node.Port}";
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static Func<Task<(bool, string)>> Probe(HttpClient client, ClusterNode node, string tenant, HttpStatusCode expected) => async () =>
    {
        var status = await StatusAsync(client, node, tenant);
        return (status == expected, $"{(int)status}");
    };

    private static async Task<Dictionary<string, string>> ListTenantsAsync(HttpClient client, ClusterScript cluster, ClusterNode node)
    {
        using var request = Admin(cluster, node, HttpMethod.Get, string.Empty);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /admin/tenants answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("items").EnumerateArray()
            .ToDictionary(t => t.GetProperty("identifier").GetString()!, t => t.GetProperty("id").GetString()!, StringComparer.Ordinal);
    }

    /// <summary>Posts <c>/admin/tenants/{id}/{action}</c> with the admin key, asserting success; returns how long it took.</summary>
    private static async Task<TimeSpan> ActAsync(HttpClient client, ClusterScript cluster, ClusterNode node, string id, string action)
    {
        var clock = Stopwatch.StartNew();
        using var request = Admin(cluster, node, HttpMethod.Post, $"/{id}/{action}");
        using var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"POST /admin/tenants/{id}/{action} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return clock.Elapsed;
    }

    private static HttpRequestMessage Admin(ClusterScript cluster, ClusterNode node, HttpMethod method, string path) => Admin(cluster, node.Port, method, path);

    private static HttpRequestMessage Admin(ClusterScript cluster, int port, HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, $"http://127.0.0.1:{port}/admin/tenants{path}");
        request.Headers.Host = $"localhost:{port}";
        request.Headers.Add("X-Admin-Key", cluster.AdminKey);
        return request;
    }

    /// <summary>Creates a tenant on the pro plan with <c>POST /admin/tenants</c> on <paramref name="port"/>, asserting success.</summary>
    private static async Task CreateTenantAsync(HttpClient client, ClusterScript cluster, int port, string identifier)
    {
        using var request = Admin(cluster, port, HttpMethod.Post, string.Empty);
        request.Content = JsonContent.Create(new { identifier, name = identifier, properties = new Dictionary<string, string> { ["TenantKit:Plan"] = "pro" } });
        using var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"POST /admin/tenants ({identifier}) answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The tenant's home page through the front, by host name or by path base: the status and the node that answered.</summary>
    private static async Task<(HttpStatusCode Status, string? Node)> ViaFrontAsync(HttpClient client, ClusterFront front, string tenant, bool byPath = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{front.Port}/{(byPath ? $"t/{tenant}/" : string.Empty)}");
        request.Headers.Host = byPath ? $"localhost:{front.Port}" : $"{tenant}.localhost:{front.Port}";
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues("X-Sample-Node", out var nodes) ? nodes.FirstOrDefault() : null);
    }

    /// <summary>Requests the tenants' home pages through the front in turn until cancelled; records each outcome and its node.</summary>
    private static FrontLoop RepeatViaFrontAsync(HttpClient client, ClusterFront front, string[] tenants, CancellationToken cancellationToken)
    {
        var results = new System.Collections.Concurrent.ConcurrentQueue<FrontResult>();
        var clock = Stopwatch.StartNew();
        var loop = Task.Run(async () =>
        {
            for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
            {
                var tenant = tenants[i % tenants.Length];
                var started = clock.Elapsed;
                try
                {
                    var (status, node) = await ViaFrontAsync(client, front, tenant);
                    results.Enqueue(new FrontResult(tenant, started, clock.Elapsed, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), node));
                }
                catch (HttpRequestException e)
                {
                    results.Enqueue(new FrontResult(tenant, started, clock.Elapsed, e.HttpRequestError.ToString(), null));
                }
                catch (TaskCanceledException)
                {
                    results.Enqueue(new FrontResult(tenant, started, clock.Elapsed, "timeout", null));
                }
            }
        }, CancellationToken.None);
        return new FrontLoop(loop, results, clock);
    }

    private sealed record FrontResult(string Tenant, TimeSpan Started, TimeSpan Ended, string Outcome, string? Node);

    private sealed record FrontLoop(Task Loop, System.Collections.Concurrent.ConcurrentQueue<FrontResult> Results, Stopwatch Clock);

    /// <summary>Requests the tenant's home page on the node again and again until cancelled; records each outcome.</summary>
    private static LoadLoop RepeatAsync(HttpClient client, ClusterNode node, string tenant, CancellationToken cancellationToken)
    {
        var results = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var loop = Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    results.Enqueue(((int)await StatusAsync(client, node, tenant)).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (HttpRequestException e)
                {
                    results.Enqueue(e.HttpRequestError.ToString());
                    await Task.Delay(50, CancellationToken.None);
                }
                catch (TaskCanceledException)
                {
                    results.Enqueue("timeout");
                }
            }
        }, CancellationToken.None);
        return new LoadLoop(loop, results);
    }

    private sealed record LoadLoop(Task Loop, System.Collections.Concurrent.ConcurrentQueue<string> Results);
}

/// <summary>The cluster drills run alone: their 1-second deadlines should not compete with the other tests for the CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "Cluster";
}
