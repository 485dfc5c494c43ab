using System.Text;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using TenantKit;
using TenantKit.EfCore;
using TenantKit.EfCore.Infrastructure;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Creates a tenant's tables (and PostgreSQL row-level security policies) for a TenantKit context.</summary>
public static class TenantDatabaseFacadeExtensions
{
    /// <summary>The name of the row-level security policy TenantKit puts on each tenant-owned table.</summary>
    public const string RowLevelSecurityPolicy = "tenantkit_tenant";

    /// <summary>Where this context's data lives: the tenant it is bound to (or the host), its schema and connection string.</summary>
    /// <param name="database">The context's database facade.</param>
    /// <returns>The location.</returns>
    public static TenantDataLocation GetTenantDataLocation(this DatabaseFacade database)
        => TenantFilterFunctions.State(Context(database)).Location;

    /// <summary>
    /// Makes sure the context's tables exist where its tenant's data lives, without migrations: creates the database
    /// when it does not exist (a database-per-tenant tenant's), then the tables of the context's schema (the tenant's
    /// own with schema per tenant; the default schema otherwise) when none of them exist; and, with
    /// <see cref="TenantKitDbContextOptions.UseRowLevelSecurity"/>, the row-level security policies. Safe to run again
    /// and from several places at once. Tables mapped to another schema are left to whoever owns that schema.
    /// Applications with migrations call <c>MigrateAsync</c> instead (see the package README).
    /// </summary>
    /// <param name="database">The context's database facade.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when the tables exist.</returns>
    /// <exception cref="InvalidOperationException">Some of the tables exist and others do not.</exception>
    public static async Task EnsureTenantTablesAsync(this DatabaseFacade database, CancellationToken cancellationToken = default)
    {
        var context = Context(database);
        await SchemaTables.EnsureCreatedAsync(context, cancellationToken).ConfigureAwait(false);
        if (TenantFilterFunctions.State(context).RowLevelSecurity)
        {
            await database.EnsureTenantRowLevelSecurityAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// PostgreSQL: makes sure every tenant-owned table of the context's schema has TenantKit's row-level security
    /// policy, forced (so the table's owner is subject to it too). Rows are then visible and writable only when the
    /// session's <c>tenantkit.tenant_id</c> is their tenant, or <c>tenantkit.host</c> is <c>on</c>; TenantKit sets both
    /// on every connection it opens, and again before a command when they changed
    /// (<see cref="TenantKitDbContextOptions.UseRowLevelSecurity"/>). Safe to run again.
    /// The connecting role must own the tables, and must not be a superuser or have <c>BYPASSRLS</c> (those skip every policy).
    /// </summary>
    /// <param name="database">The context's database facade.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when the policies exist.</returns>
    public static async Task EnsureTenantRowLevelSecurityAsync(this DatabaseFacade database, CancellationToken cancellationToken = default)
    {
        var script = database.GenerateTenantRowLevelSecurityScript();
        if (script.Length == 0)
        {
            return;
        }

        // One at a time across the server: two sessions creating the same policy would collide.
        var transaction = await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(7364010597)", cancellationToken).ConfigureAwait(false);
            await database.ExecuteSqlRawAsync(script, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// PostgreSQL: the SQL that <see cref="EnsureTenantRowLevelSecurityAsync"/> runs, for a migration
    /// (<c>migrationBuilder.Sql(...)</c>). Idempotent: each policy is created only when missing.
    /// </summary>
    /// <param name="database">The context's database facade.</param>
    /// <returns>The script, empty when the context's schema has no tenant-owned table.</returns>
    public static string GenerateTenantRowLevelSecurityScript(this DatabaseFacade database)
    {
        var context = Context(database);
        if (!string.Equals(database.ProviderName, "Npgsql.EntityFrameworkCore.PostgreSQL", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Row-level security needs PostgreSQL; {context.GetType().Name} uses {database.ProviderName}.");
        }

        var sql = database.GetService<ISqlGenerationHelper>();
        var model = context.Model;
        var schema = model.GetDefaultSchema();
        var script = new StringBuilder();
        foreach (var entityType in model.GetEntityTypes())
        {
            if (entityType.BaseType is not null
                || entityType.FindAnnotation(TenantQueryFilter.PropertyAnnotation)?.Value is not string propertyName
                || entityType.GetTableName() is not { } table
                || entityType.GetSchema() != schema)
            {
                continue;
            }

            var column = entityType.FindProperty(propertyName)!.GetColumnName(StoreObjectIdentifier.Table(table, schema))!;
            var name = sql.DelimitIdentifier(table, schema);
            var predicate = $"current_setting('tenantkit.host', true) = 'on' OR {sql.DelimitIdentifier(column)} = current_setting('tenantkit.tenant_id', true)";
            var schemaLiteral = schema is null ? "current_schema()" : Literal(schema);
            script.Append(
                $"""
                DO $tenantkit$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = {schemaLiteral} AND tablename = {Literal(table)} AND policyname = '{RowLevelSecurityPolicy}') THEN
                ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;
                ALTER TABLE {name} FORCE ROW LEVEL SECURITY;
                CREATE POLICY {RowLevelSecurityPolicy} ON {name} USING ({predicate}) WITH CHECK ({predicate});
                END IF;
                END $tenantkit$;

                """);
        }

        return script.ToString();
    }

    private static DbContext Context(DatabaseFacade database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return ((IDatabaseFacadeDependenciesAccessor)database).Context;
    }

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
