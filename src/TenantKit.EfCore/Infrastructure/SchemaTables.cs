using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// Creates a context's tables in its model's default schema without migrations, safely when several nodes (or tenants)
/// do it at once. Unlike <c>EnsureCreated</c>, it looks at this schema's tables only, so it works in a database that
/// already holds other schemas (other tenants', the catalog's).
/// </summary>
internal static class SchemaTables
{
    /// <param name="context">The context whose tables to create.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <param name="addMissingTables">
    /// When some of the tables exist and others do not: create the missing ones (for tables TenantKit owns, such as the
    /// catalog's, whose later versions add tables) instead of refusing (for the application's own tables, whose
    /// partial presence means the schema needs its migrations).
    /// </param>
    public static async Task EnsureCreatedAsync(DbContext context, CancellationToken cancellationToken, bool addMissingTables = false)
    {
        // PostgreSQL: nodes (and tenants of one node) take turns through advisory locks on the server, one for the
        // database and one for the schema, so the one that finds the work done does not try again (and log a failed
        // CREATE). Other databases (SQLite) are served by one process: a lock per database and schema in the process.
        var schema = context.Model.GetDefaultSchema();
        if (IsPostgres(context.Database))
        {
            await EnsureDatabaseAsync(context.Database, cancellationToken).ConfigureAwait(false);
            await EnsureTablesLockedAsync(context, schema, addMissingTables, cancellationToken).ConfigureAwait(false);
            return;
        }

        var gate = Gates[(int)((uint)StringComparer.Ordinal.GetHashCode(context.Database.GetConnectionString() + "\n" + schema) % (uint)Gates.Length)];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureDatabaseAsync(context.Database, cancellationToken).ConfigureAwait(false);
            await EnsureTablesAsync(context, schema, addMissingTables, inTransaction: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private static readonly SemaphoreSlim[] Gates = [.. Enumerable.Range(0, 32).Select(_ => new SemaphoreSlim(1, 1))];

    private static bool IsPostgres(DatabaseFacade database)
        => string.Equals(database.ProviderName, "Npgsql.EntityFrameworkCore.PostgreSQL", StringComparison.Ordinal);

    private static async Task EnsureDatabaseAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        var creator = database.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // PostgreSQL: nodes take turns through an advisory lock held on the server's maintenance database, so the one
        // that finds the database made by another does not try (and log a failed CREATE DATABASE).
        var serverLock = IsPostgres(database) ? await LockServerAsync(database, cancellationToken).ConfigureAwait(false) : null;
        try
        {
            if (serverLock is not null && await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (serverLock is null)
        {
            // Without a server lock another process may have created it at the same time; if not, this is the error to report.
            if (!await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                throw;
            }
        }
        finally
        {
            if (serverLock is not null)
            {
                await serverLock.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// PostgreSQL: opens a connection to the server's <c>postgres</c> database (where EF Core runs CREATE DATABASE) and
    /// takes a session advisory lock for the database about to be made; closing the connection releases it. Returns
    /// <see langword="null"/> when that connection cannot be made (the caller then falls back to "already exists").
    /// </summary>
    private static async Task<DbConnection?> LockServerAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        var own = database.GetDbConnection();
        var builder = new DbConnectionStringBuilder { ConnectionString = database.GetConnectionString() };
        var name = builder.TryGetValue("Database", out var value) ? value as string : null;
        if (string.IsNullOrEmpty(name) || Activator.CreateInstance(own.GetType()) is not DbConnection connection)
        {
            return null;
        }

        builder["Database"] = "postgres";
        builder["Pooling"] = false;
        connection.ConnectionString = builder.ConnectionString;
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = $"SELECT pg_advisory_lock({(0x5445_4E4CL << 32) | (uint)StableHash(name)})";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch (DbException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>PostgreSQL: checks and creates inside one transaction that holds an advisory lock for the schema, so nodes take turns.</summary>
    private static async Task EnsureTablesLockedAsync(DbContext context, string? schema, bool addMissingTables, CancellationToken cancellationToken)
    {
        var database = context.Database;
        var transaction = await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var key = (0x5445_4E4BL << 32) | (uint)StableHash(schema ?? string.Empty);
            await database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", cancellationToken).ConfigureAwait(false);
            await EnsureTablesAsync(context, schema, addMissingTables, inTransaction: true, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task EnsureTablesAsync(DbContext context, string? schema, bool addMissingTables, bool inTransaction, CancellationToken cancellationToken)
    {
        var database = context.Database;
        var model = database.GetService<IDesignTimeModel>().Model;
        var relational = model.GetRelationalModel();
        var tables = relational.Tables.Where(t => t.Schema == schema).ToList();
        var missing = await MissingAsync(context, tables, cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0)
        {
            return;
        }

        // The tables a feature adds (AddFeatureModel) are added to an existing schema: a tenant that gets the feature
        // later, or the first tenant with it in shared tables. Missing tables of the context's own are still refused.
        if (missing.Count != tables.Count && !addMissingTables && !missing.All(IsFeatureTable))
        {
            throw new InvalidOperationException(
                $"{missing.Count} of the {tables.Count} tables of {context.GetType().Name} in {(schema is null ? "the default schema" : $"schema '{schema}'")} are missing while the others exist. Bring the schema up to date with migrations.");
        }

        var missingNames = missing.Select(table => table.Name).ToHashSet(StringComparer.Ordinal);
        var operations = database.GetService<IMigrationsModelDiffer>().GetDifferences(null, relational)
            .Where(operation => InSchema(operation, schema))
            .Where(operation => operation is not ITableMigrationOperation table || missingNames.Contains(table.Table))
            .ToList();
        var commands = database.GetService<IMigrationsSqlGenerator>().Generate(operations, model, MigrationsSqlGenerationOptions.Default);
        try
        {
            await database.GetService<IMigrationCommandExecutor>()
                .ExecuteNonQueryAsync(commands, database.GetService<IRelationalConnection>(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!inTransaction)
        {
            // Another process may have created them at the same time; if not, this is the error to report.
            if ((await MissingAsync(context, tables, cancellationToken).ConfigureAwait(false)).Count != 0)
            {
                throw;
            }
        }
    }

    private static bool IsFeatureTable(ITable table)
        => table.EntityTypeMappings.All(mapping => mapping.TypeBase.FindAnnotation(Features.TenantFeatureModelCustomizer.FeatureAnnotation) is not null);

    /// <summary>A hash of <paramref name="value"/> that is the same in every process (FNV-1a, folded to 31 bits).</summary>
    private static int StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFF_FFFF);
    }

    private static bool InSchema(MigrationOperation operation, string? schema) => operation switch
    {
        EnsureSchemaOperation ensure => ensure.Name == schema,
        ITableMigrationOperation table => table.Schema == schema,
        CreateSequenceOperation sequence => sequence.Schema == schema,
        _ => false,
    };

    /// <summary>The tables that do not exist, found by asking each for none of its rows.</summary>
    private static async Task<List<ITable>> MissingAsync(DbContext context, List<ITable> tables, CancellationToken cancellationToken)
    {
        var sql = context.GetService<ISqlGenerationHelper>();
        var missing = new List<ITable>();
        var postgres = IsPostgres(context.Database);
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = context.Database.GetDbConnection();
            foreach (var table in tables)
            {
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    var name = sql.DelimitIdentifier(table.Name, table.Schema);
                    if (postgres)
                    {
                        // A failed statement would abort the surrounding transaction: ask the catalog instead.
                        command.CommandText = $"SELECT to_regclass('{name.Replace("'", "''", StringComparison.Ordinal)}') IS NULL";
                        command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
                        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                        {
                            missing.Add(table);
                        }

                        continue;
                    }

                    command.CommandText = $"SELECT 1 FROM {name} WHERE 1 = 0";
                    try
                    {
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (DbException)
                    {
                        missing.Add(table);
                    }
                }
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }

        return missing;
    }
}
