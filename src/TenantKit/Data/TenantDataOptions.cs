namespace TenantKit.Data;

/// <summary>
/// The data-layer policy: which isolation model a tenant uses and how its schema and connection string are found.
/// Each tenant may override the defaults with its properties (<see cref="IsolationProperty"/>, <see cref="SchemaProperty"/>,
/// <see cref="ConnectionStringProperty"/>, <see cref="ConnectionStringNameProperty"/>). Read through
/// <see cref="ITenantConnectionResolver"/>; configure with <c>TenantKitBuilder.ConfigureData</c>.
/// </summary>
public sealed class TenantDataOptions
{
    /// <summary>The tenant property that chooses the isolation model: <c>SharedTables</c>, <c>SchemaPerTenant</c> or <c>DatabasePerTenant</c> (case-insensitive).</summary>
    public const string IsolationProperty = "TenantKit:Isolation";

    /// <summary>The tenant property that names the tenant's schema (letters, digits and <c>_</c>, at most 63 characters).</summary>
    public const string SchemaProperty = "TenantKit:Schema";

    /// <summary>The tenant property holding the tenant's own connection string (database per tenant).</summary>
    public const string ConnectionStringProperty = "TenantKit:ConnectionString";

    /// <summary>
    /// The tenant property naming a connection string in the application's configuration (<c>ConnectionStrings:{name}</c>),
    /// so secrets stay out of the catalog. Used when <see cref="ConnectionStringProperty"/> is not set.
    /// </summary>
    public const string ConnectionStringNameProperty = "TenantKit:ConnectionStringName";

    /// <summary>The longest schema name allowed (PostgreSQL's limit).</summary>
    internal const int MaxSchemaLength = 63;

    /// <summary>The isolation model of tenants that do not choose one. <value>The default is <see cref="TenantIsolationModel.SharedTables"/>.</value></summary>
    public TenantIsolationModel DefaultIsolation { get; set; } = TenantIsolationModel.SharedTables;

    /// <summary>
    /// The shared database: the host's, and that of tenants in shared tables or a schema of their own. May stay
    /// <see langword="null"/> when the data access configures its connection itself. <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The name of the shared database's connection string in the application's configuration (<c>ConnectionStrings:{name}</c>),
    /// used when <see cref="ConnectionString"/> is not set. <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public string? ConnectionStringName { get; set; }

    /// <summary>
    /// The connection string of a database-per-tenant tenant that has none of its own, with <c>{id}</c> standing for the
    /// tenant id, such as <c>Host=db;Database=tenant_{id}</c> or <c>Data Source=data/{id}.db</c>.
    /// <value>The default is <see langword="null"/>: such a tenant must carry its own connection string.</value>
    /// </summary>
    public string? ConnectionStringTemplate { get; set; }

    /// <summary>
    /// The schema of a schema-per-tenant tenant that does not name one, with <c>{id}</c> standing for the tenant id
    /// escaped to letters, digits and <c>_</c> (<c>_</c> becomes <c>__</c>, <c>-</c> becomes <c>_0</c>, <c>.</c> becomes
    /// <c>_1</c>, so two ids never share a schema). The id, not the identifier, is used because it never changes.
    /// <value>The default is <c>tenant_{id}</c>.</value>
    /// </summary>
    public string SchemaTemplate { get; set; } = "tenant_{id}";
}
