using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace TenantKit.EfCore.Tests.Infrastructure;

/// <summary>A real database server for one test class: SQLite files in a temporary folder, or a PostgreSQL server.</summary>
public abstract class DatabaseFixture : IAsyncLifetime
{
    /// <summary>The provider, for snapshot names and messages.</summary>
    public abstract string Provider { get; }

    public abstract bool SupportsSchemas { get; }

    public abstract bool SupportsRowLevelSecurity { get; }

    /// <summary>The connection string of a new, empty (maybe not yet created) database.</summary>
    public abstract string NewDatabase(string purpose);

    /// <summary>Configures the provider on <paramref name="options"/>.</summary>
    public abstract void Configure(DbContextOptionsBuilder options, string connectionString);

    /// <summary>Opens a plain connection (no EF Core, no TenantKit).</summary>
    public abstract System.Data.Common.DbConnection CreateConnection(string connectionString);

    /// <summary>A connection string that cannot reach a database, for failure tests.</summary>
    public abstract string UnreachableDatabase();

    /// <summary>Runs a scalar query on a plain connection.</summary>
    public async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = CreateConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public abstract Task DisposeAsync();
}

public sealed class SqliteFixture : DatabaseFixture
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tenantkit-tests", Guid.NewGuid().ToString("N"));
    private int _count;

    public SqliteFixture()
    {
        Directory.CreateDirectory(_folder);
    }

    public override string Provider => "sqlite";

    public override bool SupportsSchemas => false;

    public override bool SupportsRowLevelSecurity => false;

    public override string NewDatabase(string purpose)
        => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, $"{purpose}-{Interlocked.Increment(ref _count)}.db") }.ToString();

    public override void Configure(DbContextOptionsBuilder options, string connectionString) => options.UseSqlite(connectionString);

    public override System.Data.Common.DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

    public override string UnreachableDatabase()
        => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "no-such-folder", "tenant.db") }.ToString();

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// PostgreSQL from <c>TENANTKIT_TEST_POSTGRES</c>, which <c>eng/test.sh</c> sets after starting a throwaway server
/// (<c>eng/services/postgres.sh</c>). Without it every PostgreSQL test fails with a message saying how to get one:
/// these tests are never skipped.
/// </summary>
public sealed class PostgresFixture : DatabaseFixture
{
    public const string Variable = "TENANTKIT_TEST_POSTGRES";
    private readonly List<string> _databases = [];
    private readonly Lock _gate = new();
    private readonly string _admin;

    public PostgresFixture()
    {
        _admin = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL tests cannot run (they are never skipped{(Environment.GetEnvironmentVariable("CI") == "true" ? ", and CI=true" : string.Empty)}). "
                + "Run the tests with 'bash eng/test.sh', which starts a throwaway PostgreSQL and sets it, or set it to an Npgsql connection string of a role that may create databases.");
    }

    public override string Provider => "postgres";

    public override bool SupportsSchemas => true;

    public override bool SupportsRowLevelSecurity => true;

    public string AdminConnectionString => _admin;

    public override string NewDatabase(string purpose)
    {
        var name = $"tk_{purpose.ToLowerInvariant().Replace('-', '_')}_{Guid.NewGuid().ToString("N")[..10]}";
        lock (_gate)
        {
            _databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(_admin) { Database = name, Pooling = true }.ToString();
    }

    public override void Configure(DbContextOptionsBuilder options, string connectionString) => options.UseNpgsql(connectionString);

    public override System.Data.Common.DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);

    public override string UnreachableDatabase()
        => new NpgsqlConnectionStringBuilder(_admin) { Port = 1, Timeout = 2 }.ToString();

    public override async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        foreach (var name in _databases)
        {
            await DropAsync(connection, name);
        }
    }

    /// <summary>
    /// Drops a test database. FORCE ends its sessions, then PostgreSQL waits up to 5 s for them to exit and otherwise
    /// refuses with 55006 (object in use): on a loaded 2-core machine a terminated backend can take longer, so that
    /// one error is retried a few times; any other error, or the last attempt's, fails the cleanup.
    /// </summary>
    private static async Task DropAsync(NpgsqlConnection connection, string name)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 4)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }
}
