using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TenantKit.Identity.Tests.Infrastructure;

/// <summary>
/// Puts the tests' SQLite files in write-ahead-log mode without a sync per commit (<c>journal_mode=WAL</c>,
/// <c>synchronous=NORMAL</c>): a commit appends to the log instead of creating, syncing and deleting a rollback
/// journal and syncing the database file. What a commit makes visible to the next connection is the same; only
/// durability across a power cut, which no test checks, is given up. It is what SQLite recommends for applications.
/// </summary>
internal sealed class SqliteWalInterceptor : DbConnectionInterceptor
{
    public static readonly SqliteWalInterceptor Instance = new();

    private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is SqliteConnection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (connection is SqliteConnection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
