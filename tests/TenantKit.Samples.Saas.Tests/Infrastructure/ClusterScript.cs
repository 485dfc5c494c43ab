using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace TenantKit.Samples.Saas.Tests.Infrastructure;

/// <summary>
/// <c>eng/cluster.sh</c> run as an operator runs it (<c>bash eng/cluster.sh 2</c>), on the test's PostgreSQL
/// (<c>TENANTKIT_TEST_POSTGRES</c>, a database of its own) with its own Redis started from
/// <c>TENANTKIT_TEST_REDIS_SERVER</c>, and the sample as the test run built it (<c>TENANTKIT_CLUSTER_SAMPLE</c>). Reads
/// the script's machine-readable lines (<c>cluster-node</c>, <c>cluster-front</c>, <c>cluster-redis</c>,
/// <c>cluster-admin-key</c>, <c>cluster-ready</c>). The script starts its default front, the sample front as the test
/// run built it (<c>TENANTKIT_CLUSTER_FRONT_APP</c>), on a free port. Disposing stops the script with TERM (as Ctrl+C would), then kills by process id whatever it
/// started and still runs, drops the test's databases, and removes the logs folder (kept when
/// <c>TENANTKIT_TEST_NODE_LOGS</c> is set, as the multi-node tests' node logs are).
/// </summary>
public sealed class ClusterScript : IAsyncDisposable
{
    private readonly Process _script;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, ClusterNode> _nodes = new(StringComparer.Ordinal);
    private readonly List<int> _extraProcesses = [];
    private readonly string _server;

    private ClusterScript(Process script, string server, string database, string logs)
    {
        _script = script;
        _server = server;
        Database = database;
        Logs = logs;
    }

    /// <summary>The catalog's database.</summary>
    public string Database { get; }

    /// <summary>The folder of the nodes' logs and restart scripts.</summary>
    public string Logs { get; }

    /// <summary>The script's process id.</summary>
    public int ProcessId => _script.Id;

    /// <summary>Whether the script has ended.</summary>
    public bool HasExited => _script.HasExited;

    /// <summary>The Redis server the script started: its process id.</summary>
    public int RedisProcessId { get; private set; }

    /// <summary>The X-Admin-Key of the administration endpoints.</summary>
    public string AdminKey { get; private set; } = string.Empty;

    /// <summary>The nodes, by name (<c>a</c>, <c>b</c>...).</summary>
    public IReadOnlyDictionary<string, ClusterNode> Nodes => _nodes;

    /// <summary>The front the script started (the sample front), or <see langword="null"/> before <c>cluster-front</c>.</summary>
    public ClusterFront? Front { get; private set; }

    /// <summary>What the script printed, and the nodes' logs, for failure messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder("--- eng/cluster.sh output:\n");
        lock (_gate)
        {
            text.Append(_output);
        }

        foreach (var node in _nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var log = File.Exists(node.Log) ? File.ReadAllLines(node.Log) : [];
            text.Append("--- node ").Append(node.Name).Append(" (last 60 lines of ").Append(node.Log).Append("):\n");
            foreach (var line in log.TakeLast(60))
            {
                text.Append(line).Append('\n');
            }
        }

        if (Front is { } front && File.Exists(front.Log))
        {
            text.Append("--- front (last 60 lines of ").Append(front.Log).Append("):\n");
            foreach (var line in File.ReadAllLines(front.Log).TakeLast(60))
            {
                text.Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Starts <c>bash eng/cluster.sh <paramref name="nodes"/> <paramref name="settings"/></c> and waits for <c>cluster-ready</c>.</summary>
    public static async Task<ClusterScript> StartAsync(int nodes, IEnumerable<string> settings, TimeSpan timeout)
    {
        var server = Environment.GetEnvironmentVariable("TENANTKIT_TEST_POSTGRES") is { Length: > 0 } postgres
            ? postgres
            : throw new InvalidOperationException("TENANTKIT_TEST_POSTGRES is not set: run the tests with 'bash eng/test.sh' (it starts a throwaway PostgreSQL).");
        if (Environment.GetEnvironmentVariable("TENANTKIT_TEST_REDIS_SERVER") is not { Length: > 0 })
        {
            throw new InvalidOperationException("TENANTKIT_TEST_REDIS_SERVER is not set: run the tests with 'bash eng/test.sh' (it finds redis-server).");
        }

        var root = RepositoryRoot();
        var database = $"tk_cluster_{Guid.NewGuid().ToString("N")[..8]}";
        var logs = Directory.CreateTempSubdirectory("tenantkit-cluster-test.").FullName;
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        info.ArgumentList.Add(Path.Combine(root, "eng", "cluster.sh"));
        info.ArgumentList.Add(nodes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var setting in settings)
        {
            info.ArgumentList.Add(setting);
        }

        info.Environment["TENANTKIT_CLUSTER_SAMPLE"] = SampleAssembly(root);
        info.Environment["TENANTKIT_CLUSTER_FRONT_APP"] = FrontAssembly(root);

        // The nodes on the first ports, the front on the one after them.
        var ports = FreePorts(nodes + 1);
        info.Environment["TENANTKIT_CLUSTER_PORT"] = ports.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["TENANTKIT_CLUSTER_FRONT_PORT"] = (ports + nodes).ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["TENANTKIT_CLUSTER_DATABASE"] = database;
        info.Environment["TENANTKIT_CLUSTER_LOGS"] = logs;
        info.Environment.Remove("TENANTKIT_CLUSTER_REDIS");
        info.Environment.Remove("TENANTKIT_CLUSTER_FRONT");
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("ASPNETCORE_ENVIRONMENT");

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var cluster = new ClusterScript(process, server, database, logs);
        process.OutputDataReceived += (_, e) => cluster.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => cluster.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            var exited = process.WaitForExitAsync(deadline.Token);
            if (await Task.WhenAny(cluster._ready.Task, exited) != cluster._ready.Task)
            {
                throw new InvalidOperationException(
                    $"eng/cluster.sh {(process.HasExited ? $"exited ({process.ExitCode})" : $"was not ready within {timeout.TotalSeconds:0} s")}.\n{cluster.Describe()}");
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a node's restart script (as an operator would after a drill) and returns the new process id.</summary>
    public int Restart(ClusterNode node)
    {
        var info = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(node.RestartScript);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_gate)
        {
            _extraProcesses.Add(process.Id);
        }

        return process.Id;
    }

    /// <summary>Sends a signal to a process this test started (through the script or itself), by id.</summary>
    public static void Signal(int processId, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Whether a process with this id still runs.</summary>
    public static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Stops the script as Ctrl+C would (TERM) and waits for it to end; returns whether it ended in time.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (!_script.HasExited)
        {
            Signal(_script.Id, "TERM");
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _script.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            // Whatever still runs (the script killed, a restarted node), by process id.
            List<int> pids;
            lock (_gate)
            {
                pids = [.. _extraProcesses, .. _nodes.Values.Select(n => n.ProcessId)];
            }

            if (Front is { } front)
            {
                pids.Add(front.ProcessId);
            }

            if (RedisProcessId != 0)
            {
                pids.Add(RedisProcessId);
            }

            foreach (var pid in pids.Where(IsRunning))
            {
                Signal(pid, "KILL");
            }

            if (!_script.HasExited)
            {
                _script.Kill(entireProcessTree: true);
            }

            _script.Dispose();
            await DropDatabasesAsync();
            if (Environment.GetEnvironmentVariable("TENANTKIT_TEST_NODE_LOGS") is not { Length: > 0 })
            {
                Directory.Delete(Logs, recursive: true);
            }
        }
    }

    private async Task DropDatabasesAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await using var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(_server) { Database = "postgres" }.ConnectionString);
        try
        {
            await connection.OpenAsync();
        }
        catch (Npgsql.NpgsqlException)
        {
            await using var fallback = new Npgsql.NpgsqlConnection(_server);
            await DropWithAsync(fallback);
            return;
        }

        await DropWithAsync(connection);
    }

    private async Task DropWithAsync(Npgsql.NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }

        var names = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT datname FROM pg_database WHERE datname LIKE @prefix";
            list.Parameters.AddWithValue("prefix", Database + "%");
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        foreach (var name in names)
        {
            await using var drop = connection.CreateCommand();
            drop.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
            await drop.ExecuteNonQueryAsync();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Append(line).Append('\n');
        }

        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words)
        {
            case ["cluster-node", var name, var address, "pid", var pid, "log", var log, "restart", var restart]:
                _nodes[name] = new ClusterNode(name, new Uri(address), int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture), log, restart);
                break;
            case ["cluster-front", var address, "pid", var pid, "log", var log]:
                Front = new ClusterFront(new Uri(address), int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture), log);
                break;
            case ["cluster-redis", _, "pid", var pid]:
                RedisProcessId = int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case ["cluster-admin-key", var key]:
                AdminKey = key;
                break;
            case ["cluster-ready"]:
                _ready.TrySetResult();
                break;
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "eng", "cluster.sh")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("eng/cluster.sh was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The sample as this test run built it (the test project references it): same configuration.</summary>
    private static string SampleAssembly(string root)
    {
        var configuration = typeof(ClusterScript).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(root, "samples", "TenantKit.Samples.Saas", "bin", configuration, "net10.0", "TenantKit.Samples.Saas.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"The sample was not built at {path}.");
    }

    /// <summary>The sample front as this test run built it (the test project builds it, without referencing it).</summary>
    private static string FrontAssembly(string root)
    {
        var configuration = typeof(ClusterScript).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(root, "samples", "TenantKit.Samples.Front", "bin", configuration, "net10.0", "TenantKit.Samples.Front.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"The sample front was not built at {path}.");
    }

    /// <summary>A first port such that it and the next <paramref name="count"/> - 1 are free on 127.0.0.1 now.</summary>
    private static int FreePorts(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = Random.Shared.Next(30_000, 60_000);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports were found.");

        static bool IsFree(int port)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                try
                {
                    using var v6 = new TcpListener(IPAddress.IPv6Loopback, port);
                    v6.Start();
                    v6.Stop();
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported)
                {
                    // No IPv6 loopback here: the node listens on 127.0.0.1 only.
                }

                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}

/// <summary>One node the script started.</summary>
public sealed record ClusterNode(string Name, Uri Address, int ProcessId, string Log, string RestartScript)
{
    /// <summary>The node's port.</summary>
    public int Port => Address.Port;

    /// <summary>The node's health report, parsed, or <see langword="null"/> when it does not answer.</summary>
    public async Task<JsonElement?> HealthAsync(HttpClient client)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Port}/health");
            request.Headers.Host = $"localhost:{Port}";
            using var response = await client.SendAsync(request);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>The front the script started.</summary>
public sealed record ClusterFront(Uri Address, int ProcessId, string Log)
{
    /// <summary>The front's port.</summary>
    public int Port => Address.Port;
}
