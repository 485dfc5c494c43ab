namespace TenantKit.Data;

/// <summary>
/// Where one tenant's data lives (or the host's, in a host scope): its isolation model, connection string and schema.
/// Data access that does not go through the EF Core adapter (Dapper, ADO.NET) uses it to open the right connection,
/// and must add <c>WHERE tenant_id = @TenantId</c> itself for tenants in shared tables.
/// </summary>
public sealed class TenantDataLocation
{
    /// <summary>Creates a location.</summary>
    /// <param name="tenant">The tenant, or <see langword="null"/> for the host.</param>
    /// <param name="isolation">The isolation model.</param>
    /// <param name="connectionString">The connection string, or <see langword="null"/> when the data access configures it.</param>
    /// <param name="schema">The schema, or <see langword="null"/> for the database's default.</param>
    public TenantDataLocation(TenantInfo? tenant, TenantIsolationModel isolation, string? connectionString, string? schema)
    {
        Tenant = tenant;
        Isolation = isolation;
        ConnectionString = connectionString;
        Schema = schema;
    }

    /// <summary>The tenant, or <see langword="null"/> for the host (which reads across tenants in the shared database).</summary>
    public TenantInfo? Tenant { get; }

    /// <summary><see langword="true"/> for the host's location.</summary>
    [MemberNotNullWhen(false, nameof(Tenant), nameof(TenantId))]
    public bool IsHost => Tenant is null;

    /// <summary>The value of the tenant column for this tenant's rows, or <see langword="null"/> for the host.</summary>
    public string? TenantId => Tenant?.Id;

    /// <summary>The isolation model.</summary>
    public TenantIsolationModel Isolation { get; }

    /// <summary>The connection string, or <see langword="null"/> when none is configured (the data access then configures its own).</summary>
    public string? ConnectionString { get; }

    /// <summary>The schema of the tenant's tables, or <see langword="null"/> for the database's default schema.</summary>
    public string? Schema { get; }

    /// <summary>Tells whether <paramref name="other"/> is the same database and schema (the tenant aside).</summary>
    /// <param name="other">Another location.</param>
    /// <returns><see langword="true"/> when both reach the same tables.</returns>
    public bool IsSameStoreAs(TenantDataLocation other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(ConnectionString, other.ConnectionString, StringComparison.Ordinal)
            && string.Equals(Schema, other.Schema, StringComparison.Ordinal);
    }

    /// <summary>Describes the location without its connection string, which may hold a secret.</summary>
    /// <returns>A description such as <c>tenant acme: SchemaPerTenant, schema tenant_42</c>.</returns>
    public override string ToString()
        => $"{(IsHost ? "host" : $"tenant {Tenant.Identifier}")}: {Isolation}{(Schema is null ? string.Empty : $", schema {Schema}")}";
}
