using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace TenantKit.Scale;

/// <summary>
/// The load generator: for each variant, starts the server as a child process on 127.0.0.1:0, drives it with
/// <see cref="ScaleOptions.Connections"/> keep-alive connections through three phases (warm-up: every hot tenant
/// once; hot: Zipf over the first <see cref="ScaleOptions.Capacity"/> tenants; churn: Zipf over the whole catalog),
/// samples the server's metrics every second into <c>samples.csv</c>, then writes <c>summary.txt</c>,
/// <c>summary.json</c> and SVG charts, and stops the server.
/// </summary>
public static class ScaleDriver
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Runs every variant, writes the results and prints the summary.</summary>
    public static async Task<int> RunAsync(ScaleOptions options)
    {
        var summary = await RunAndWriteAsync(options);
        Console.Out.Write(summary.Text);
        return 0;
    }

    /// <summary>Runs every variant and writes samples.csv, summary.txt, summary.json and the charts to the output folder.</summary>
    public static async Task<Summary> RunAndWriteAsync(ScaleOptions options)
    {
        Directory.CreateDirectory(options.Output);
        var samples = new List<Sample>();
        var phases = new List<PhaseResult>();
        var names = new string[options.Tenants];
        var hosts = new string[options.Tenants];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = string.Create(Invariant, $"t{i}|");
            hosts[i] = string.Create(Invariant, $"t{i}.example.test");
        }

        var hot = new ZipfSampler(options.Capacity, options.ZipfExponent);
        var all = new ZipfSampler(options.Tenants, options.ZipfExponent);
        foreach (var variant in options.Variants)
        {
            Console.Error.WriteLine($"== {variant}");
            var run = new VariantRun(variant, options, names, hosts, hot, all, samples, phases);
            await run.RunAsync();
        }

        var summary = Summary.Create(options, phases, samples);
        await File.WriteAllTextAsync(Path.Combine(options.Output, "samples.csv"), Sample.ToCsv(samples));
        await File.WriteAllTextAsync(Path.Combine(options.Output, "summary.txt"), summary.Text);
        await File.WriteAllTextAsync(
            Path.Combine(options.Output, "summary.json"),
            JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        Charts.Write(options, samples, phases);
        return summary;
    }

    private sealed class VariantRun(
        string variant,
        ScaleOptions options,
        string[] names,
        string[] hosts,
        ZipfSampler hot,
        ZipfSampler all,
        List<Sample> samples,
        List<PhaseResult> phases)
    {
        private LatencyHistogram _interval = new();
        private LatencyHistogram _phase = new();
        private long _intervalFailures;
        private long _phaseFailures;
        private volatile bool _stop;
        private int _warmupNext;
        private string? _firstError;

        public async Task RunAsync()
        {
            using var server = StartServer(variant, options);
            Process? proxy = null;
            try
            {
                var serverAddress = await ReadAddressAsync(server);
                var address = serverAddress;
                if (options.Proxy)
                {
                    proxy = StartProcess(["proxy", "--target", serverAddress], options);
                    address = await ReadAddressAsync(proxy);
                }

                using var handler = new SocketsHttpHandler
                {
                    MaxConnectionsPerServer = options.Connections,
                    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
                    UseProxy = false,
                    UseCookies = false,
                    AutomaticDecompression = DecompressionMethods.None,
                };
                using var client = new HttpClient(handler) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
                using var statsClient = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(serverAddress) };

                var clock = Stopwatch.StartNew();
                var start = await StatsAsync(statsClient);

                // Warm-up: every hot tenant once, so the hot phase runs with the hot set resident.
                await RunPhaseAsync("warmup", double.PositiveInfinity, client, statsClient, clock, start, _ =>
                {
                    var next = Interlocked.Increment(ref _warmupNext) - 1;
                    return next < options.Capacity ? next : -1;
                });
                var afterWarmup = phases[^1].End;
                await RunPhaseAsync("hot", options.HotSeconds, client, statsClient, clock, afterWarmup, random => hot.Next(random));
                await RunPhaseAsync("churn", options.ChurnSeconds, client, statsClient, clock, phases[^1].End, random => all.Next(random));

                // After the load: capacity checks and drains run in the background; wait (bounded) until they settle,
                // so "resident after the run" is what the runtime keeps, not a build that finished a moment ago.
                var settled = await StatsAsync(statsClient);
                for (var i = 0; i < 100 && (settled.Building > 0 || settled.Draining > 0 || settled.Resident > options.Capacity); i++)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100));
                    settled = await StatsAsync(statsClient);
                }

                phases[^1] = phases[^1] with { AfterRun = settled };
            }
            finally
            {
                if (proxy is not null)
                {
                    await StopAsync(proxy);
                    proxy.Dispose();
                }

                await StopAsync(server);
            }
        }

        /// <summary>Closing its input stops a process this driver started; it is killed (by its id) if it does not stop.</summary>
        private static async Task StopAsync(Process process)
        {
            try
            {
                process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        private async Task RunPhaseAsync(
            string phase,
            double seconds,
            HttpClient client,
            HttpClient statsClient,
            Stopwatch clock,
            ServerStats start,
            Func<Random, int> next)
        {
            Console.Error.WriteLine($"   {phase}");
            _phase = new LatencyHistogram();
            Interlocked.Exchange(ref _interval, new LatencyHistogram());
            Interlocked.Exchange(ref _phaseFailures, 0);
            Interlocked.Exchange(ref _intervalFailures, 0);
            _stop = false;
            var phaseStart = clock.Elapsed.TotalSeconds;
            var workers = new Task[options.Connections];

            // At a fixed rate, worker w sends its k-th request at start + (w + k * connections) / rate. The warm-up
            // always runs as fast as it can: it only loads the hot set.
            var period = options.Rate > 0 && phase != "warmup" ? options.Connections / options.Rate : 0;
            var scheduleStart = Stopwatch.GetTimestamp();
            for (var w = 0; w < workers.Length; w++)
            {
                var random = new Random(options.Seed + (w * 7919) + phase.Length);
                var offset = period > 0 ? (double)w / options.Rate : 0;
                workers[w] = Task.Run(() => WorkAsync(client, () => next(random), scheduleStart, offset, period));
            }

            var all = Task.WhenAll(workers);
            var previous = start;
            var sampleCount = 0;
            while (true)
            {
                var tick = Task.Delay(TimeSpan.FromSeconds(1));
                var finished = await Task.WhenAny(all, tick) == all;
                var elapsed = clock.Elapsed.TotalSeconds;
                if (!finished && elapsed - phaseStart >= seconds)
                {
                    _stop = true;
                    await all;
                    finished = true;
                    elapsed = clock.Elapsed.TotalSeconds;
                }

                var interval = Interlocked.Exchange(ref _interval, new LatencyHistogram());
                var failures = Interlocked.Exchange(ref _intervalFailures, 0);
                var stats = await StatsAsync(statsClient);
                var dt = Math.Max(1e-3, elapsed - (samples.Count > 0 && samples[^1].Variant == variant ? samples[^1].Second : phaseStart));
                samples.Add(Sample.Create(variant, phase, elapsed, dt, interval, failures, previous, stats));
                previous = stats;
                sampleCount++;
                if (finished)
                {
                    break;
                }
            }

            var end = previous;
            var duration = clock.Elapsed.TotalSeconds - phaseStart;
            phases.Add(PhaseResult.Create(variant, phase, phaseStart, duration, _phase, Interlocked.Read(ref _phaseFailures), start, end, samples, _firstError));
        }

        private async Task WorkAsync(HttpClient client, Func<int> next, long scheduleStart, double offset, double period)
        {
            for (long k = 0; !_stop; k++)
            {
                var rank = next();
                if (rank < 0)
                {
                    return;
                }

                var started = Stopwatch.GetTimestamp();
                if (period > 0)
                {
                    // Due at this time. Early: wait, and count from when it is sent (the timer's lateness is the
                    // client's, not the server's). Late (the previous answer came after this one was due): send now,
                    // and count from when it was due.
                    var due = scheduleStart + (long)((offset + (k * period)) * Stopwatch.Frequency);
                    if (due > started)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((due - started) / (double)Stopwatch.Frequency));
                        if (_stop)
                        {
                            return;
                        }

                        started = Stopwatch.GetTimestamp();
                    }
                    else
                    {
                        started = due;
                    }
                }

                var ok = false;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/work");
                    request.Headers.Host = hosts[rank];
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    var body = await response.Content.ReadAsStringAsync();
                    ok = response.StatusCode == HttpStatusCode.OK
                        && (variant == "bare" ? body.StartsWith("bare|", StringComparison.Ordinal) : body.StartsWith(names[rank], StringComparison.Ordinal));
                    if (!ok)
                    {
                        Interlocked.CompareExchange(ref _firstError, $"{hosts[rank]}: {(int)response.StatusCode} {body}", null);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                {
                    Interlocked.CompareExchange(ref _firstError, $"{hosts[rank]}: {e.GetType().Name} {e.Message}", null);
                }

                var micros = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                _phase.Record(micros);
                Volatile.Read(ref _interval).Record(micros);
                if (!ok)
                {
                    Interlocked.Increment(ref _phaseFailures);
                    Interlocked.Increment(ref _intervalFailures);
                }
            }
        }
    }

    private static Process StartServer(string variant, ScaleOptions options) => StartProcess(options.ServerArguments(variant), options);

    /// <summary>This program as a child process (the server, or the proxy), with the run's GC settings.</summary>
    private static Process StartProcess(IEnumerable<string> arguments, ScaleOptions options)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };

        // Run our own assembly: through the dotnet host when that is what runs us (dotnet run, dotnet test),
        // otherwise through the app host.
        var assembly = typeof(ScaleDriver).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(host) is "TenantKit.Scale")
        {
            info.FileName = host;
        }
        else
        {
            info.FileName = DotnetHost();
            info.ArgumentList.Add(assembly);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_gcServer"] = options.ServerGc ? "1" : "0";
        info.Environment["DOTNET_GCConserveMemory"] = options.GcConserveMemory.ToString(CultureInfo.InvariantCulture);
        return Process.Start(info) ?? throw new InvalidOperationException("Could not start the server.");
    }

    private static string DotnetHost()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        var processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            return processPath;
        }

        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        // The runtime's own directory is <root>/shared/Microsoft.NETCore.App/<version>/.
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var candidate = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", "..", "dotnet"));
        return File.Exists(candidate) ? candidate : "dotnet";
    }

    private static async Task<string> ReadAddressAsync(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                return line["listening ".Length..].Trim();
            }
        }

        throw new InvalidOperationException($"The server exited ({(server.HasExited ? server.ExitCode : -1)}) before listening.");
    }

    private static async Task<ServerStats> StatsAsync(HttpClient client)
    {
        var line = await client.GetStringAsync("/_stats");
        var f = line.Split(',');
        return new ServerStats(
            long.Parse(f[0], Invariant), long.Parse(f[1], Invariant), long.Parse(f[2], Invariant), long.Parse(f[3], Invariant),
            int.Parse(f[4], Invariant), int.Parse(f[5], Invariant), int.Parse(f[6], Invariant),
            int.Parse(f[7], Invariant), int.Parse(f[8], Invariant), int.Parse(f[9], Invariant),
            long.Parse(f[10], Invariant), long.Parse(f[11], Invariant), long.Parse(f[12], Invariant), long.Parse(f[13], Invariant),
            long.Parse(f[14], Invariant));
    }

    /// <summary>Samples ranks 0..n-1 with probability proportional to 1/(rank+1)^s.</summary>
    private sealed class ZipfSampler
    {
        private readonly double[] _cdf;

        public ZipfSampler(int n, double s)
        {
            _cdf = new double[n];
            double sum = 0;
            for (var k = 0; k < n; k++)
            {
                sum += 1.0 / Math.Pow(k + 1, s);
                _cdf[k] = sum;
            }

            for (var k = 0; k < n; k++)
            {
                _cdf[k] /= sum;
            }
        }

        public int Next(Random random)
        {
            var index = Array.BinarySearch(_cdf, random.NextDouble());
            return Math.Min(_cdf.Length - 1, index >= 0 ? index : ~index);
        }
    }
}

/// <summary>The server's metrics at one instant (see ScaleServer.Stats).</summary>
public sealed record ServerStats(
    long Requests, long AllocatedBytes, long WorkingSet, long ManagedHeap, int Gen0, int Gen1, int Gen2,
    int Resident, int Building, int Draining, long Builds, long Unloads, long FailedBuilds, long GcCommitted,
    long GcPauseTicks);

/// <summary>One row of samples.csv: one second of one variant.</summary>
public sealed record Sample(
    string Variant, string Phase, double Second, long Requests, double Rps, long Failures, double P50Ms, double P99Ms,
    double P999Ms, double AllocatedBytesPerRequest, double WorkingSetMb, double ManagedHeapMb, int Gen2, int Resident,
    int Building, int Draining, double BuildsPerSecond, double UnloadsPerSecond, double GcCommittedMb, double GcPauseMs)
{
    private const string Header = "variant,phase,second,requests,rps,failures,p50_ms,p99_ms,p999_ms,alloc_bytes_per_request,working_set_mb,managed_heap_mb,gen2_collections,resident,building,draining,builds_per_s,unloads_per_s,gc_committed_mb,gc_pause_ms";

    internal static Sample Create(string variant, string phase, double second, double dt, LatencyHistogram interval, long failures, ServerStats before, ServerStats after)
    {
        var served = after.Requests - before.Requests;
        return new Sample(
            variant, phase, Math.Round(second, 3), interval.Count, interval.Count / dt, failures,
            interval.QuantileMs(0.50), interval.QuantileMs(0.99), interval.QuantileMs(0.999),
            served > 0 ? (after.AllocatedBytes - before.AllocatedBytes) / (double)served : 0,
            after.WorkingSet / 1048576.0, after.ManagedHeap / 1048576.0, after.Gen2, after.Resident, after.Building, after.Draining,
            (after.Builds - before.Builds) / dt, (after.Unloads - before.Unloads) / dt, after.GcCommitted / 1048576.0,
            TimeSpan.FromTicks(after.GcPauseTicks - before.GcPauseTicks).TotalMilliseconds);
    }

    internal static string ToCsv(IEnumerable<Sample> samples)
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var s in samples)
        {
            text.Append(CultureInfo.InvariantCulture, $"{s.Variant},{s.Phase},{s.Second:0.000},{s.Requests},{s.Rps:0.0},{s.Failures},{s.P50Ms:0.000},{s.P99Ms:0.000},{s.P999Ms:0.000},{s.AllocatedBytesPerRequest:0},{s.WorkingSetMb:0.0},{s.ManagedHeapMb:0.0},{s.Gen2},{s.Resident},{s.Building},{s.Draining},{s.BuildsPerSecond:0.0},{s.UnloadsPerSecond:0.0},{s.GcCommittedMb:0.0},{s.GcPauseMs:0.0}\n");
        }

        return text.ToString();
    }
}

/// <summary>One phase of one variant, summed up.</summary>
public sealed record PhaseResult(
    string Variant, string Phase, double StartSecond, double Seconds, long Requests, double Rps, long Failures,
    double P50Ms, double P99Ms, double P999Ms, double AllocatedBytesPerRequest, double WorkingSetEndMb,
    double WorkingSetMaxMb, double ManagedHeapEndMb, int ResidentEnd, int ResidentMax, double BuildsPerSecond,
    double UnloadsPerSecond, long FailedBuilds, string? FirstError)
{
    /// <summary>The server's metrics when the phase ended.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ServerStats End { get; init; } = null!;

    /// <summary>For the last phase: the server's metrics once background capacity checks and drains settled.</summary>
    public ServerStats? AfterRun { get; init; }

    internal static PhaseResult Create(
        string variant, string phase, double startSecond, double seconds, LatencyHistogram latencies, long failures,
        ServerStats start, ServerStats end, List<Sample> samples, string? firstError)
    {
        var mine = samples.Where(s => s.Variant == variant && s.Phase == phase).ToList();
        var served = end.Requests - start.Requests;
        return new PhaseResult(
            variant, phase, Math.Round(startSecond, 3), Math.Round(seconds, 3), latencies.Count, latencies.Count / seconds, failures,
            latencies.QuantileMs(0.50), latencies.QuantileMs(0.99), latencies.QuantileMs(0.999),
            served > 0 ? (end.AllocatedBytes - start.AllocatedBytes) / (double)served : 0,
            end.WorkingSet / 1048576.0, mine.Count > 0 ? mine.Max(s => s.WorkingSetMb) : 0, end.ManagedHeap / 1048576.0,
            end.Resident, mine.Count > 0 ? mine.Max(s => s.Resident) : end.Resident,
            (end.Builds - start.Builds) / seconds, (end.Unloads - start.Unloads) / seconds, end.FailedBuilds, firstError)
        {
            End = end,
        };
    }
}
