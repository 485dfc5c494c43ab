using System.Data.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Npgsql;
using TenantKit.Data;
using TenantKit.Samples.Saas.Data;

namespace TenantKit.Samples.Saas.Identity;

/// <summary>The sample's accounts: the seeded users, the administrator role, and the host's count of a tenant's users.</summary>
public sealed class SampleAccounts(SampleDatabase database, ITenantConnectionResolver connections)
{
    /// <summary>The role of a tenant's administrators (TenantKit.Identity's default).</summary>
    public const string AdministratorRole = "tenant-admin";

    /// <summary>The users seeded at the first run: tenant, e-mail, password, administrator. Listed in the README's tour.</summary>
    public static readonly (string Tenant, string Email, string Password, bool Administrator)[] Seeded =
    [
        ("acme", "wile@acme.example", "Anvils-1949", true),
        ("acme", "road@acme.example", "Beep-beep-1", false),
        ("globex", "hank@globex.example", "Hammocks-1", true),
    ];

    /// <summary>Creates a user of the current tenant (and the administrator role when asked).</summary>
    public static async Task<IdentityResult> CreateAsync(UserManager<SampleUser> users, RoleManager<IdentityRole> roles, string email, string password, bool administrator)
    {
        var user = new SampleUser { UserName = email, Email = email };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded || !administrator)
        {
            return created;
        }

        if (!await roles.RoleExistsAsync(AdministratorRole))
        {
            var role = await roles.CreateAsync(new IdentityRole(AdministratorRole));
            if (!role.Succeeded)
            {
                return role;
            }
        }

        return await users.AddToRoleAsync(user, AdministratorRole);
    }

    /// <summary>
    /// The number of users a tenant has, read by the host straight from where the tenant's rows live (the shared tables
    /// or its own database), so the console does not load every tenant to count. <see langword="null"/> when unknown.
    /// </summary>
    public async Task<int?> CountUsersAsync(TenantInfo tenant, CancellationToken cancellationToken)
    {
        var location = connections.Resolve(tenant);
        DbConnection connection = database.IsPostgres
            ? new NpgsqlConnection(location.ConnectionString)
            : new SqliteConnection(new SqliteConnectionStringBuilder(location.ConnectionString) { Mode = SqliteOpenMode.ReadOnly }.ConnectionString);
        await using (connection)
        {
            try
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT COUNT(*) FROM \"AspNetUsers\" WHERE \"TenantId\" = @tenant";
                var parameter = command.CreateParameter();
                parameter.ParameterName = "tenant";
                parameter.Value = tenant.Id;
                command.Parameters.Add(parameter);
                return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (DbException)
            {
                // Never loaded yet: its own database or its tables do not exist, so it has no users.
                return 0;
            }
        }
    }
}
