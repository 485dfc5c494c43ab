using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using AmbientTransaction = System.Transactions.Transaction;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// PostgreSQL row-level security, when turned on: keeps the session settings the policies read
/// (<c>tenantkit.tenant_id</c>, <c>tenantkit.host</c>) equal to whom the context serves at the moment each of its
/// commands runs. They are set when EF Core opens the connection, and again before a command whenever they no longer
/// match: a connection opened while one tenant was current (explicitly, or for a transaction) and used later while
/// another tenant is current, or after the host scope ended, must not run that command under the old settings. With no
/// tenant and no host scope, or a context used for a tenant it does not serve, both are cleared, so the policies
/// return no rows. Costs one round trip per open, and one more only when the settings change.
/// </summary>
/// <remarks>
/// What the session holds is remembered per <see cref="DbConnection"/> (a connection may be shared by several
/// contexts) and forgotten whenever the connection closes. A value set inside a transaction is provisional (a rollback
/// restores the previous one): it is trusted only while a transaction is still in progress and none has started
/// since, and a rollback to a savepoint forgets it. Transactions EF Core does not see (a raw <c>BEGIN</c>, one begun on
/// the <see cref="DbConnection"/> and not handed to the context) are outside this bookkeeping, and so are commands run
/// on the connection directly (ADO.NET, Dapper): they run under the settings of the last open or EF Core command.
/// </remarks>
internal sealed class TenantConnectionInterceptor : IDbConnectionInterceptor, IDbCommandInterceptor, IDbTransactionInterceptor
{
    private static readonly ConcurrentDictionary<string, bool> Multiplexed = new(StringComparer.Ordinal);
    private static readonly ConditionalWeakTable<DbConnection, Session> Sessions = new();

    internal const string Sql = "SELECT set_config('tenantkit.tenant_id', @tenant, false), set_config('tenantkit.host', @host, false)";

    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (Prepare(connection, eventData.Context, transaction: null, force: true) is { } set)
        {
            Run(set);
        }
    }

    public async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (Prepare(connection, eventData.Context, transaction: null, force: true) is { } set)
        {
            await RunAsync(set, cancellationToken).ConfigureAwait(false);
        }
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Before(command, eventData);
        return result;
    }

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await BeforeAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Before(command, eventData);
        return result;
    }

    public async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await BeforeAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Before(command, eventData);
        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await BeforeAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    // A transaction beginning may follow one that rolled back a value set inside it (Npgsql even reuses the DbTransaction).
    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        EndProvisional(connection);
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        EndProvisional(connection);
        return ValueTask.FromResult(result);
    }

    public DbTransaction TransactionUsed(DbConnection connection, TransactionEventData eventData, DbTransaction result)
    {
        EndProvisional(connection);
        return result;
    }

    public ValueTask<DbTransaction> TransactionUsedAsync(DbConnection connection, TransactionEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        EndProvisional(connection);
        return ValueTask.FromResult(result);
    }

    // A rollback to a savepoint undoes a value set after the savepoint, in the same transaction.
    public void RolledBackToSavepoint(DbTransaction transaction, TransactionEventData eventData)
        => EndProvisional(transaction.Connection);

    public Task RolledBackToSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        EndProvisional(transaction.Connection);
        return Task.CompletedTask;
    }

    private static void Before(DbCommand command, CommandEventData eventData)
    {
        if (command.Connection is { } connection && Prepare(connection, eventData.Context, command.Transaction, force: false) is { } set)
        {
            Run(set);
        }
    }

    private static async ValueTask BeforeAsync(DbCommand command, CommandEventData eventData, CancellationToken cancellationToken)
    {
        if (command.Connection is { } connection && Prepare(connection, eventData.Context, command.Transaction, force: false) is { } set)
        {
            await RunAsync(set, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Run(SetCommand set)
    {
        using (set.Command)
        {
            set.Command.ExecuteNonQuery();
        }

        set.Session.Remember(set.Wanted, set.InTransaction);
    }

    private static async Task RunAsync(SetCommand set, CancellationToken cancellationToken)
    {
        await using (set.Command.ConfigureAwait(false))
        {
            await set.Command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        set.Session.Remember(set.Wanted, set.InTransaction);
    }

    /// <summary>The command that brings the session in line with the context, or <see langword="null"/> when nothing needs setting.</summary>
    private static SetCommand? Prepare(DbConnection connection, DbContext? context, DbTransaction? transaction, bool force)
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

        var session = Sessions.GetValue(connection, Session.Watch);
        var wanted = state.ForConnection();
        if (!force && session.Holds(wanted, transaction))
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

        var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.Transaction = transaction;
        AddParameter(command, "tenant", wanted.TenantId ?? string.Empty);
        AddParameter(command, "host", wanted.IsHost ? "on" : "off");
        return new SetCommand(command, session, wanted, transaction is not null);
    }

    private static void EndProvisional(DbConnection? connection)
    {
        if (connection is not null && Sessions.TryGetValue(connection, out var session))
        {
            session.EndProvisional();
        }
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

    private sealed record SetCommand(DbCommand Command, Session Session, (bool IsHost, string? TenantId) Wanted, bool InTransaction);

    /// <summary>What one connection's session holds, as far as TenantKit knows. A connection is used by one thread at a time.</summary>
    private sealed class Session
    {
        private bool _known;
        private (bool IsHost, string? TenantId) _settings;
        private bool _inTransaction;
        private AmbientTransaction? _ambient;

        public static Session Watch(DbConnection connection)
        {
            var session = new Session();
            connection.StateChange += session.OnStateChange;
            return session;
        }

        public bool Holds((bool IsHost, string? TenantId) wanted, DbTransaction? transaction)
            => _known
                && _settings.IsHost == wanted.IsHost
                && string.Equals(_settings.TenantId, wanted.TenantId, StringComparison.Ordinal)
                // Set inside a transaction that has ended since: a rollback may have restored the previous value.
                && (!_inTransaction || transaction is not null)
                && (_ambient is null || _ambient.Equals(AmbientTransaction.Current));

        public void Remember((bool IsHost, string? TenantId) settings, bool inTransaction)
        {
            _settings = settings;
            _inTransaction = inTransaction;
            _ambient = AmbientTransaction.Current;
            _known = true;
        }

        public void EndProvisional()
        {
            if (_inTransaction)
            {
                Forget();
            }
        }

        private void Forget()
        {
            _known = false;
            _inTransaction = false;
            _ambient = null;
        }

        // A closed connection's next open may be another physical session: nothing is known of it until it is set.
        private void OnStateChange(object sender, StateChangeEventArgs e)
        {
            if (e.CurrentState != ConnectionState.Open)
            {
                Forget();
            }
        }
    }
}
