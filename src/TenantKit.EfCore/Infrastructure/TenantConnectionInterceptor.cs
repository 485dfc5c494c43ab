using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// PostgreSQL row-level security, when turned on: every time EF Core opens a connection, sets the session settings the
/// policies read (<c>tenantkit.tenant_id</c>, <c>tenantkit.host</c>) to whom the context serves at that moment. With
/// no tenant and no host scope both are cleared, so the policies return no rows.
/// </summary>
internal sealed class TenantConnectionInterceptor : DbConnectionInterceptor
{
    private static readonly ConcurrentDictionary<string, bool> Multiplexed = new(StringComparer.Ordinal);

    internal const string Sql = "SELECT set_config('tenantkit.tenant_id', @tenant, false), set_config('tenantkit.host', @host, false)";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (Prepare(connection, eventData.Context) is { } command)
        {
            using (command)
            {
                command.ExecuteNonQuery();
            }
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (Prepare(connection, eventData.Context) is { } command)
        {
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static DbCommand? Prepare(DbConnection connection, DbContext? context)
    {
        if (context is null)
        {
            return null;
        }

        var state = TenantFilterFunctions.State(context);
        if (!state.RowLevelSecurity)
        {
            return null;
        }

        if (!string.Equals(connection.GetType().FullName, "Npgsql.NpgsqlConnection", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Row-level security needs PostgreSQL, but {state.ContextName} uses {connection.GetType().Name}. Turn UseRowLevelSecurity off.");
        }

        if (Multiplexed.GetOrAdd(connection.ConnectionString, IsMultiplexed))
        {
            // With multiplexing, commands of different contexts share physical connections: a session setting would
            // leak from one tenant's commands to another's.
            throw new NotSupportedException($"Row-level security keys on per-session settings, which Npgsql multiplexing shares between commands. {state.ContextName} connects with Multiplexing=true: turn multiplexing or UseRowLevelSecurity off.");
        }

        var (isHost, tenantId) = state.ForConnection();
        var command = connection.CreateCommand();
        command.CommandText = Sql;
        AddParameter(command, "tenant", tenantId ?? string.Empty);
        AddParameter(command, "host", isHost ? "on" : "off");
        return command;
    }

    private static bool IsMultiplexed(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return builder.TryGetValue("Multiplexing", out var value) && bool.TryParse(value?.ToString(), out var on) && on;
    }

    private static void AddParameter(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
