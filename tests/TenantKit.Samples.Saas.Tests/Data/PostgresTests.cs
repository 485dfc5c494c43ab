using Npgsql;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Data;

/// <summary>
/// The configuration switch to PostgreSQL (<c>ConnectionStrings:Postgres</c>), against the server <c>eng/test.sh</c>
/// starts (<c>TENANTKIT_TEST_POSTGRES</c>). Without that server the test fails and says how to get one: never skipped.
/// </summary>
public sealed class PostgresTests
{
    private const string Variable = "TENANTKIT_TEST_POSTGRES";

    [Fact]
    public async Task WithAPostgresConnectionString_TheCatalogAndSharedTablesLiveThere_AndGlobexGetsADatabaseOfItsOwn()
    {
        var server = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL test cannot run (it is never skipped). Run the tests with 'bash eng/test.sh', "
                + "which starts a throwaway PostgreSQL and sets it, or set it to an Npgsql connection string of a role that may create databases.");
        var database = $"tk_sample_{Guid.NewGuid().ToString("N")[..10]}";
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        string? globexDatabase = null;
        try
        {
            await using var app = new SampleApp(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connectionString });
            using var client = app.CreateBrowserLikeClient();

            var acme = await client.HtmlAsync(At("acme"));
            var globexHome = await client.HtmlAsync(Host("/t/globex/"));

            Assert.Equal("3", Field(acme, "note-count"));
            Assert.Equal("2", Field(globexHome, "note-count"));
            Assert.Equal("its own database", Field(globexHome, "storage"));
            var globex = await app.TenantAsync("globex");
            globexDatabase = $"{database}_{globex.Id}";
            Assert.Equal(2, await CountAsync(server, database, "SELECT COUNT(*) FROM tenantkit_tenants"));
            Assert.Equal(3, await CountAsync(server, database, "SELECT COUNT(*) FROM \"Notes\""));
            Assert.Equal(2, await CountAsync(server, globexDatabase, $"SELECT COUNT(*) FROM \"Notes\" WHERE \"TenantId\" = '{globex.Id}'"));
            Assert.False(File.Exists(Path.Combine(app.DataPath, "saas.db")));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            foreach (var name in new[] { database, globexDatabase })
            {
                if (name is not null)
                {
                    await using var drop = connection.CreateCommand();
                    drop.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
                    await drop.ExecuteNonQueryAsync();
                }
            }
        }
    }

    private static async Task<long> CountAsync(string server, string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = database, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
