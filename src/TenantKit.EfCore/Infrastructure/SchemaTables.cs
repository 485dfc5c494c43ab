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
        var database = context.Database;
        var creator = database.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Someone else may have created it at the same time; if not, this is the error to report.
                if (!await creator.ExistsAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }
            }
        }

        var model = database.GetService<IDesignTimeModel>().Model;
        var schema = model.GetDefaultSchema();
        var relational = model.GetRelationalModel();
        var tables = relational.Tables.Where(t => t.Schema == schema).ToList();
        var missing = await MissingAsync(context, tables, cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0)
        {
            return;
        }

        if (missing.Count != tables.Count && !addMissingTables)
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
        catch (Exception)
        {
            // Someone else may have created them at the same time; if not, this is the error to report.
            if ((await MissingAsync(context, tables, cancellationToken).ConfigureAwait(false)).Count != 0)
            {
                throw;
            }
        }
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
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = context.Database.GetDbConnection();
            foreach (var table in tables)
            {
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = $"SELECT 1 FROM {sql.DelimitIdentifier(table.Name, table.Schema)} WHERE 1 = 0";
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
