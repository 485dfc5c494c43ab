using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using TenantKit.Samples.Saas.Hosting;

namespace TenantKit.Samples.Saas.Data;

/// <summary>
/// Where the sample keeps its data, chosen once from configuration:
/// <list type="bullet">
/// <item>SQLite (the default): <c>saas.db</c> holds the tenant catalog and the shared notes tables, and a tenant with a
/// database of its own gets <c>tenant-{id}.db</c>, all in <see cref="SampleOptions.DataPath"/>;</item>
/// <item>PostgreSQL when <c>ConnectionStrings:Postgres</c> is set: that database holds the catalog and shared tables, and
/// a tenant with a database of its own gets <c>{database}_{id}</c> on the same server (created on first use).</item>
/// </list>
/// </summary>
public sealed class SampleDatabase
{
    /// <summary>The configuration key that switches the sample to PostgreSQL.</summary>
    public const string PostgresKey = "ConnectionStrings:Postgres";

    public SampleDatabase(IConfiguration configuration, IOptions<SampleOptions> options)
    {
        var postgres = configuration[PostgresKey];
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            IsPostgres = true;
            var shared = new NpgsqlConnectionStringBuilder(postgres);
            if (string.IsNullOrEmpty(shared.Database))
            {
                shared.Database = "tenantkit_sample";
            }

            SharedConnectionString = shared.ConnectionString;
            var prefix = shared.Database.Length > 30 ? shared.Database[..30] : shared.Database;
            TenantConnectionStringTemplate = new NpgsqlConnectionStringBuilder(SharedConnectionString) { Database = prefix + "_{id}" }.ConnectionString;
            Description = $"PostgreSQL database '{shared.Database}' on {shared.Host}:{shared.Port}";
            return;
        }

        DataPath = ResolveDataPath(options.Value.DataPath);
        Directory.CreateDirectory(DataPath);
        SharedConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataPath, "saas.db") }.ConnectionString;
        TenantConnectionStringTemplate = new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataPath, "tenant-{id}.db") }.ConnectionString;
        Description = $"SQLite files in {DataPath}";
    }

    /// <summary><see langword="true"/> with PostgreSQL, <see langword="false"/> with SQLite.</summary>
    public bool IsPostgres { get; }

    /// <summary>The SQLite data folder, or <see langword="null"/> with PostgreSQL.</summary>
    public string? DataPath { get; }

    /// <summary>The database of the catalog, of the host, and of every tenant in shared tables.</summary>
    public string SharedConnectionString { get; }

    /// <summary>The connection string of a tenant with a database of its own; <c>{id}</c> stands for the tenant id.</summary>
    public string TenantConnectionStringTemplate { get; }

    /// <summary>Where the data is, in words, for the start-up banner.</summary>
    public string Description { get; }

    /// <summary>Configures the provider for one database.</summary>
    public void Configure(DbContextOptionsBuilder options, string connectionString)
    {
        if (IsPostgres)
        {
            options.UseNpgsql(connectionString);
        }
        else
        {
            options.UseSqlite(connectionString);
        }
    }

    private static string ResolveDataPath(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(Environment.ExpandEnvironmentVariables(configured));
        }

        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        if (string.IsNullOrEmpty(local))
        {
            local = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(local, "TenantKit.Samples.Saas");
    }
}
