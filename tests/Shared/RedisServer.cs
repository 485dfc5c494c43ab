using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TenantKit.Testing;

/// <summary>
/// A throwaway redis-server process on a free 127.0.0.1 port, with no persistence and its own temp directory, for tests
/// that need a real Redis they can stop and restart. The binary is <c>TENANTKIT_TEST_REDIS_SERVER</c> (exported by
/// eng/services/redis.sh), else <c>redis-server</c> on PATH; when neither exists, <see cref="StartAsync"/> throws (the
/// test fails, it is never skipped).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly string _binary;
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private Process? _process;
    private Process? _guard;

    private RedisServer(string binary, string directory, int port)
    {
        _binary = binary;
        _directory = directory;
        Port = port;
    }

    /// <summary>The port the server listens on (the same after <see cref="RestartAsync"/>).</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string: "127.0.0.1:port".</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary><see langword="true"/> while the server process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server on a free port and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var binary = FindBinary();
        var directory = Directory.CreateTempSubdirectory("tenantkit-redis-").FullName;
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            // Another process may take the port between here and the server's bind: try again on another one.
            var server = new RedisServer(binary, directory, FreePort());
            try
            {
                await server.LaunchAsync();
                return server;
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
                await server.KillAsync();
            }
        }

        TryDelete(directory);
        throw new InvalidOperationException("redis-server did not start after 5 attempts.", last);
    }

    /// <summary>Kills the server and waits until the process has exited.</summary>
    public Task StopAsync() => KillAsync();

    /// <summary>Stops the server if it runs, then starts it again on the same port.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await LaunchAsync();
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                // The port can linger for a moment after the old process exits.
                await KillAsync();
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Stops the server and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        TryDelete(_directory);
    }

    private static string FindBinary()
    {
        var configured = Environment.GetEnvironmentVariable("TENANTKIT_TEST_REDIS_SERVER");
        if (!string.IsNullOrEmpty(configured))
        {
            if (File.Exists(configured))
            {
                return configured;
            }

            throw new InvalidOperationException($"TENANTKIT_TEST_REDIS_SERVER is '{configured}', which does not exist. Run the tests with eng/test.sh, or point it at a redis-server binary.");
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "No redis-server found: set TENANTKIT_TEST_REDIS_SERVER to a redis-server binary, put redis-server on PATH, or run the tests with eng/test.sh (eng/services/redis.sh installs it).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task LaunchAsync()
    {
        var info = new ProcessStartInfo(_binary)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--save", "", "--appendonly", "no", "--dir", _directory, "--protected-mode", "no", "--daemonize", "no",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        _process = process;
        _guard = StartGuard(process.Id);
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode} on port {Port}:\n{Output()}");
            }

            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within {StartTimeout.TotalSeconds} s:\n{Output()}");
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// A shell that waits for its input to end (this process closed it, or died: a killed test host), then kills the
    /// server, so no redis-server outlives the tests.
    /// </summary>
    private static Process StartGuard(int serverPid)
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"cat >/dev/null; kill -9 {serverPid} 2>/dev/null; exit 0");
        var guard = Process.Start(info) ?? throw new InvalidOperationException("The guard process of redis-server did not start.");
        guard.OutputDataReceived += (_, _) => { };
        guard.ErrorDataReceived += (_, _) => { };
        guard.BeginOutputReadLine();
        guard.BeginErrorReadLine();
        return guard;
    }

    private async Task KillAsync()
    {
        var process = _process;
        _process = null;
        var guard = _guard;
        _guard = null;
        if (guard is not null)
        {
            // The server is killed below; the guard only has to end (its kill then finds no process, or the same one).
            try
            {
                guard.StandardInput.Close();
                using var guardTimeout = new CancellationTokenSource(StartTimeout);
                await guard.WaitForExitAsync(guardTimeout.Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or IOException)
            {
                guard.Kill();
            }
            finally
            {
                guard.Dispose();
            }
        }

        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(StartTimeout);
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
