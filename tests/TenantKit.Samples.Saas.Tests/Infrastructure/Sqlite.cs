using Microsoft.Data.Sqlite;

namespace TenantKit.Samples.Saas.Tests.Infrastructure;

/// <summary>Reads a SQLite file directly, past the application and TenantKit, to see where rows really are.</summary>
public static class Sqlite
{
    public static async Task<long> CountAsync(string file, string sql)
    {
        Assert.True(File.Exists(file), $"No database file {file}.");
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
