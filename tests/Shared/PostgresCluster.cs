using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace TenantKit.Testing;

/// <summary>
/// A PostgreSQL cluster of a test's own, which the test may stop and start again (the server of
/// <c>TENANTKIT_TEST_POSTGRES</c> is shared by every test and must stay up). <see cref="StartAsync"/> runs <c>initdb</c> in
/// a temporary folder it owns, starts the server on a free port of 127.0.0.1 and creates a role that may create databases
/// (not a superuser) and its database. As root, every PostgreSQL binary runs as the <c>postgres</c> user
/// (<c>runuser -u postgres --</c>), which is created when missing, as <c>eng/services/postgres.sh</c> does.
/// Binaries are found in <c>TENANTKIT_TEST_POSTGRES_BIN</c>, on PATH, or in <c>/usr/lib/postgresql/*/bin</c>; without
/// them <see cref="StartAsync"/> throws saying so (a failed test, never a skip: <c>eng/test.sh</c> installs them).
/// A guard process stops the server and removes the folder when this process ends, even killed.
/// Needs Npgsql; compiled into test projects with <c>&lt;Compile Include="../Shared/PostgresCluster.cs" Link="Shared/PostgresCluster.cs" /&gt;</c>.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string BinVariable = "TENANTKIT_TEST_POSTGRES_BIN";
    private const string Role = "tenantkit";
    private readonly string _bin;
    private readonly string _folder;
    private readonly string _password;
    private readonly bool _asPostgresUser;
    private Process? _guard;

    private PostgresCluster(string bin, string folder, bool asPostgresUser)
    {
        _bin = bin;
        _folder = folder;
        _asPostgresUser = asPostgresUser;
        _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    }

    /// <summary>The server's port on 127.0.0.1 (the same after <see cref="RestartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>Whether the server runs (false between <see cref="StopAsync"/> and <see cref="RestartAsync"/>).</summary>
    public bool IsRunning { get; private set; }

    /// <summary>An Npgsql connection string of the role <c>tenantkit</c> (may create databases) to its database <c>tenantkit</c>.</summary>
    public string ConnectionString => ConnectionStringFor(Role);

    private string DataDirectory => Path.Combine(_folder, "data");

    /// <summary>Creates and starts a new cluster.</summary>
    public static async Task<PostgresCluster> StartAsync()
    {
        var bin = FindBinaries();
        // The server refuses to run as root (Environment.UserName is the effective user's name).
        var asPostgresUser = Environment.UserName == "root";
        if (asPostgresUser)
        {
            await EnsurePostgresUserAsync();
        }

        var folder = Directory.CreateTempSubdirectory("tenantkit-pgc.").FullName;
        var cluster = new PostgresCluster(bin, folder, asPostgresUser);
        try
        {
            if (asPostgresUser)
            {
                await RunAsync("chown", ["postgres:", folder], asPostgresUser: false, folder);
            }

            cluster.StartGuard();
            await cluster.RunPostgresAsync(
                "initdb",
                ["-D", cluster.DataDirectory, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync"]);
            await cluster.StartServerAsync(newPort: true);
            await cluster.CreateRoleAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>An Npgsql connection string of the <c>tenantkit</c> role to a new database (created now).</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ToString();
    }

    /// <summary>Stops the server (<c>pg_ctl stop -m fast</c>: sessions are disconnected) and waits until it is down.</summary>
    public async Task StopAsync()
    {
        await RunPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"]);
        IsRunning = false;
    }

    /// <summary>Starts the server again, on the same port (stops it first if it runs).</summary>
    public async Task RestartAsync()
    {
        if (IsRunning)
        {
            await StopAsync();
        }

        await StartServerAsync(newPort: false);
    }

    /// <summary>Stops the server and removes its folder (through the guard process, which does the same if this process dies).</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_guard is { } guard)
        {
            try
            {
                guard.StandardInput.Close();
            }
            catch (IOException)
            {
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await guard.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                guard.Kill(entireProcessTree: true);
            }

            guard.Dispose();
            _guard = null;
        }

        IsRunning = false;
        if (Directory.Exists(_folder))
        {
            try
            {
                await RunPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], check: false);
            }
            finally
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
    }

    public override string ToString() => $"PostgreSQL cluster on 127.0.0.1:{Port} ({_folder})";

    private string ConnectionStringFor(string role) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = role,
        Password = _password,
        Database = role,
        IncludeErrorDetail = true,
    }.ToString();

    private async Task StartServerAsync(bool newPort)
    {
        var log = Path.Combine(_folder, "server.log");
        for (var attempt = 1; ; attempt++)
        {
            if (newPort)
            {
                Port = FreePort();
            }

            var options = $"-c listen_addresses=127.0.0.1 -p {Port} -k {_folder} -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            var (exitCode, output) = await RunPostgresAsync("pg_ctl", ["-D", DataDirectory, "-l", log, "-w", "-t", "60", "-o", options, "start"], check: false);
            if (exitCode == 0)
            {
                IsRunning = true;
                return;
            }

            // Another process may have taken the port between the check and the start: try another one.
            if (!newPort || attempt >= 5)
            {
                var serverLog = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(20)) : "(no server log)";
                throw new InvalidOperationException($"PostgreSQL did not start on 127.0.0.1:{Port} (pg_ctl exited {exitCode}): {output}\n{serverLog}");
            }
        }
    }

    private async Task CreateRoleAsync()
    {
        // The superuser connects through the Unix socket in our folder (trust): no password to manage.
        var superuser = new NpgsqlConnectionStringBuilder { Host = _folder, Port = Port, Username = "postgres", Database = "postgres", Pooling = false }.ToString();
        await using var connection = new NpgsqlConnection(superuser);
        await connection.OpenAsync();
        foreach (var sql in new[] { $"CREATE ROLE {Role} LOGIN PASSWORD '{_password}' CREATEDB NOSUPERUSER NOBYPASSRLS", $"CREATE DATABASE {Role} OWNER {Role}", $"GRANT pg_signal_backend TO {Role}" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// A shell that waits for its input to end (this process closed it, or died), then stops the server at once and
    /// removes the folder.
    /// </summary>
    private void StartGuard()
    {
        var pgCtl = Quote(Path.Combine(_bin, "pg_ctl"));
        var stop = $"{(_asPostgresUser ? "runuser -u postgres -- " : string.Empty)}{pgCtl} -D {Quote(DataDirectory)} -m immediate -w stop";
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"cat >/dev/null; if [ -d {Quote(DataDirectory)} ]; then {stop} >/dev/null 2>&1; fi; rm -rf {Quote(_folder)}");
        _guard = Process.Start(info) ?? throw new InvalidOperationException("The guard process of the PostgreSQL cluster did not start.");
        _guard.OutputDataReceived += (_, _) => { };
        _guard.ErrorDataReceived += (_, _) => { };
        _guard.BeginOutputReadLine();
        _guard.BeginErrorReadLine();
    }

    private async Task<(int ExitCode, string Output)> RunPostgresAsync(string tool, IReadOnlyList<string> arguments, bool check = true)
    {
        var result = await RunAsync(Path.Combine(_bin, tool), arguments, _asPostgresUser, _folder, check: false);
        if (check && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Output}");
        }

        return result;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgresUser, string workingDirectory, bool check = true)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The postgres user must be able to enter it (pg_ctl and initdb look at the current directory).
            WorkingDirectory = workingDirectory,
        };
        if (asPostgresUser)
        {
            info.FileName = "runuser";
            foreach (var argument in new[] { "-u", "postgres", "--", file })
            {
                info.ArgumentList.Add(argument);
            }
        }
        else
        {
            info.FileName = file;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        // pg_ctl start leaves the server running with our pipes inherited: read to the end of what pg_ctl itself writes
        // would never finish, so wait for the process, then take what has been read.
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(deadline.Token);
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {text}");
        }

        return (process.ExitCode, text);
    }

    private static async Task EnsurePostgresUserAsync()
    {
        if ((await RunAsync("id", ["postgres"], asPostgresUser: false, Path.GetTempPath(), check: false)).ExitCode == 0)
        {
            return;
        }

        await RunAsync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], asPostgresUser: false, Path.GetTempPath());
    }

    private static string FindBinaries()
    {
        static bool Has(string? folder) => folder is not null && File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl"));

        if (Environment.GetEnvironmentVariable(BinVariable) is { Length: > 0 } configured)
        {
            return Has(configured) ? configured : throw new InvalidOperationException($"{BinVariable}={configured} holds no initdb and pg_ctl.");
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(folder, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(folder, "pg_ctl")))
            {
                // Debian links /usr/bin tools to a wrapper; the real binaries sit next to the link's target.
                var target = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                var real = Path.GetDirectoryName(target);
                if (Has(real))
                {
                    return real!;
                }
            }
        }

        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(Has)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            : Enumerable.Empty<string>();
        return versions.FirstOrDefault()
            ?? throw new InvalidOperationException(
                "PostgreSQL's server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin, so a test that stops and starts "
                + $"its own PostgreSQL cannot run (never skipped). Run the tests with 'bash eng/test.sh' (eng/services/postgres.sh installs PostgreSQL when run as root), install PostgreSQL, or set {BinVariable}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
