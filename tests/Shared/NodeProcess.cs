using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;

namespace TenantKit.Testing;

/// <summary>
/// An ASP.NET Core application started as a child process (<c>dotnet App.dll</c>) on a port of 127.0.0.1 the system
/// chooses (<c>--urls http://127.0.0.1:0</c>), for tests that need several real processes. The application must print
/// <c>node-listening http://127.0.0.1:PORT</c> once it listens, answer <c>GET /health</c> with 200 once ready, and stop
/// when its standard input closes (<c>--Node:ExitWhenInputCloses=true</c> is passed): the test process holds the other end
/// of that pipe, so a node never outlives a test process that dies, even killed. Its standard output and error are kept
/// (the last 2,000 lines) for failure messages. Compiled into test projects with
/// <c>&lt;Compile Include="../Shared/NodeProcess.cs" Link="Shared/NodeProcess.cs" /&gt;</c>.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    /// <summary>The line the application prints when it listens, followed by its address.</summary>
    public const string ListeningMarker = "node-listening ";

    /// <summary>A folder where every node's output is written when it is disposed (for a look at a passing run, too).</summary>
    public const string LogsVariable = "TENANTKIT_TEST_NODE_LOGS";

    private const int MaxLines = 2_000;
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly Queue<string> _lines = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _dropped;

    static NodeProcess()
    {
        // Last resort when the test process ends without disposing a node (a fixture that threw): kill what we started,
        // by process id. The node's input watch covers a test process that is killed.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }
        };
    }

    private NodeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The name given at start (for messages).</summary>
    public string Name { get; }

    /// <summary>The address the node listens on, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The node's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>A client whose base address is the node's (no cookies, no redirects, 30 s timeout).</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>The node's most recent output lines (standard output and error), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                var text = new StringBuilder();
                if (_dropped > 0)
                {
                    text.Append("[").Append(_dropped).Append(" earlier lines dropped]\n");
                }

                foreach (var line in _lines)
                {
                    text.Append(line).Append('\n');
                }

                return text.ToString();
            }
        }
    }

    /// <summary>
    /// The application assembly of the project named <paramref name="projectName"/>, as the test project recorded it at
    /// build time (an <c>AssemblyMetadata("&lt;projectName&gt;.Path", ...)</c> attribute); else looked for next to the
    /// repository's <c>tests/&lt;projectName&gt;/bin/&lt;Configuration&gt;/</c> folders, the test's own configuration first.
    /// </summary>
    public static string FindAssembly(string projectName, Assembly testAssembly)
    {
        var recorded = testAssembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == projectName + ".Path")?.Value;
        if (recorded is { Length: > 0 } && File.Exists(recorded))
        {
            return recorded;
        }

        var configuration = testAssembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var tried = new List<string>();
        if (recorded is { Length: > 0 })
        {
            tried.Add(recorded);
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var bin = Path.Combine(directory.FullName, "tests", projectName, "bin");
            if (!Directory.Exists(bin))
            {
                continue;
            }

            foreach (var candidateConfiguration in new[] { configuration, "Release", "Debug" }.Distinct())
            {
                var folder = Path.Combine(bin, candidateConfiguration);
                var found = Directory.Exists(folder)
                    ? Directory.GetFiles(folder, projectName + ".dll", SearchOption.AllDirectories).FirstOrDefault(f => !f.Contains($"{Path.DirectorySeparatorChar}ref{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                    : null;
                if (found is not null)
                {
                    return found;
                }

                tried.Add(folder);
            }

            break;
        }

        throw new InvalidOperationException(
            $"The application {projectName}.dll was not found (looked at: {string.Join(", ", tried)}). Build it first: "
            + "the test project references it (ReferenceOutputAssembly=false), so 'dotnet build' of the test project or of TenantKit.sln builds it.");
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="assemblyPath"/> --urls http://127.0.0.1:0 --Node:ExitWhenInputCloses=true
    /// <paramref name="arguments"/></c> and waits until it listens and <c>/health</c> answers 200; throws with its output
    /// when it exits or is not ready within <paramref name="timeout"/> (default 90 s).
    /// </summary>
    public static async Task<NodeProcess> StartAsync(string name, string assemblyPath, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo
        {
            FileName = DotnetHost(),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var argument in new[] { "--urls", "http://127.0.0.1:0", "--Node:ExitWhenInputCloses=true" }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        // The node's own settings only: nothing of the test host's environment that would change how it listens or runs.
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        info.Environment.Remove("ASPNETCORE_HTTPS_PORTS");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_NOLOGO"] = "1";

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new NodeProcess(name, process);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Node {name}: '{info.FileName} {assemblyPath}' did not start.");
        }

        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await node.WaitUntilReadyAsync(timeout ?? TimeSpan.FromSeconds(90));
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the node printed a line containing <paramref name="text"/> (since it started).</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        Task seen;
        lock (_gate)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, waiter));
            seen = waiter.Task;
        }

        using var deadline = new CancellationTokenSource(timeout);
        var exited = _process.WaitForExitAsync(deadline.Token);
        var first = await Task.WhenAny(seen, exited);
        if (first == seen)
        {
            return;
        }

        throw new TimeoutException(
            $"Node {Name} {(_process.HasExited ? $"exited ({_process.ExitCode})" : $"did not print '{text}' within {timeout.TotalSeconds:0.#} s")}.\n{Describe()}");
    }

    /// <summary>Kills the node at once (SIGKILL: no graceful shutdown, requests in flight are cut) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(deadline.Token);
        Running.TryRemove(_process.Id, out _);
    }

    /// <summary>The node's name, address and recent output, for an assertion message.</summary>
    public string Describe() => $"--- node {Name} ({Address?.ToString() ?? "not listening"}, pid {_process.Id}{(_process.HasExited ? $", exited {_process.ExitCode}" : string.Empty)}) output:\n{Output}--- end of node {Name}";

    /// <summary>
    /// Stops the node: closes its input (it shuts down gracefully), kills it if it is still running after 5 s. When
    /// <c>TENANTKIT_TEST_NODE_LOGS</c> names a folder, the node's output is written there (<c>name-pid.log</c>).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        try
        {
            await StopAsync();
        }
        finally
        {
            if (Environment.GetEnvironmentVariable(LogsVariable) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
                await File.WriteAllTextAsync(Path.Combine(folder, $"{Name}-{_process.Id}.log"), Output);
            }

            _process.Dispose();
        }
    }

    /// <summary>
    /// Stops the node gracefully: closes its input (the node shuts down as on SIGTERM); kills it if it still runs after
    /// <paramref name="grace"/> (default 5 s). Returns how it ended.
    /// </summary>
    public async Task<NodeExit> StopAsync(TimeSpan? grace = null)
    {
        var killed = false;
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                }

                using var graceful = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(graceful.Token);
                }
                catch (OperationCanceledException)
                {
                    killed = true;
                }
            }
        }
        finally
        {
            await KillAsync();
        }

        return new NodeExit(_process.ExitCode, killed);
    }

    public override string ToString() => $"node {Name} ({Address})";

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var exited = _process.WaitForExitAsync(deadline.Token);
        var first = await Task.WhenAny(_listening.Task, exited);
        if (first != _listening.Task)
        {
            throw new InvalidOperationException(
                $"Node {Name} {(_process.HasExited ? $"exited ({_process.ExitCode}) before it listened" : $"did not listen within {timeout.TotalSeconds:0} s")}.\n{Describe()}");
        }

        Address = await _listening.Task;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(30),
        };

        string last = "no answer yet";
        while (!deadline.IsCancellationRequested && !_process.HasExited)
        {
            try
            {
                using var response = await Client.GetAsync("/health", deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(deadline.Token)}";
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                last = e.Message;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        throw new InvalidOperationException($"Node {Name} listened, but /health did not answer 200 within {timeout.TotalSeconds:0} s (last: {last}).\n{Describe()}");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith(ListeningMarker, StringComparison.Ordinal)
            && Uri.TryCreate(line[ListeningMarker.Length..].Trim(), UriKind.Absolute, out var address))
        {
            _listening.TrySetResult(address);
        }

        lock (_gate)
        {
            _lines.Enqueue(line);
            if (_lines.Count > MaxLines)
            {
                _lines.Dequeue();
                _dropped++;
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waiters[i].Text, StringComparison.Ordinal))
                {
                    _waiters[i].Seen.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>The <c>dotnet</c> host running the tests (so the node runs on the same runtime), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromEnvironment && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (Environment.ProcessPath is { } processPath && Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            return processPath;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        // The runtime's own directory is <root>/shared/Microsoft.NETCore.App/<version>/.
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var candidate = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", "..", "dotnet"));
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}

/// <summary>How a node process ended: its exit code, and whether it had to be killed.</summary>
public sealed record NodeExit(int ExitCode, bool Killed);
