using Npgsql;

namespace TenantKit.MultiNode.Tests.Infrastructure;

/// <summary>
/// A fresh database on the PostgreSQL of <c>TENANTKIT_TEST_POSTGRES</c> (started by <c>eng/test.sh</c>), dropped at the
/// end. Without the variable it throws saying how to get one: these tests fail, never skip.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    public const string Variable = "TENANTKIT_TEST_POSTGRES";
    private readonly string _admin;

    private TestPostgres(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<TestPostgres> CreateDatabaseAsync(string purpose)
    {
        var admin = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the multi-node tests cannot run (they are never skipped{(Environment.GetEnvironmentVariable("CI") == "true" ? ", and CI=true" : string.Empty)}). "
                + "Run the tests with 'bash eng/test.sh', which starts a throwaway PostgreSQL and sets it, or set it to an Npgsql connection string of a role that may create databases.");
        var name = $"tk_multinode_{purpose}_{Guid.NewGuid().ToString("N")[..10]}";
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        await command.ExecuteNonQueryAsync();
        return new TestPostgres(admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)";
        await command.ExecuteNonQueryAsync();
    }
}
