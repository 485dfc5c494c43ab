namespace TenantKit.MultiNode.Node;

/// <summary>
/// The node's settings, from the command line or the environment (<c>--Node:Id=a</c>, <c>Node__Id=a</c>):
/// <list type="bullet">
/// <item><c>Node:Id</c>: the name this node reports (and announces on the change feed); default: the process id.</item>
/// <item><c>Node:AdminKey</c>: the value of the <c>X-Admin-Key</c> header the administration endpoints require.</item>
/// <item><c>ConnectionStrings:Catalog</c>: the PostgreSQL database of the tenant catalog and of the tenants' shared tables.</item>
/// <item><c>ConnectionStrings:Redis</c>: the Redis server of the change feed (<c>127.0.0.1:6379</c>); without it the
/// node has no distributed feed and learns of other nodes' changes by polling the catalog only.</item>
/// <item><c>Node:ExitWhenInputCloses</c>: stop when standard input closes, so a node whose test process died (and
/// with it the pipe) never outlives it.</item>
/// </list>
/// The catalog's intervals are bound from <c>TenantKit:Catalog</c> (<c>--TenantKit:Catalog:ChangePollInterval=00:00:02</c>)
/// and the runtime's from <c>TenantKit:Runtime</c>.
/// </summary>
public sealed class NodeSettings
{
    public const string AdminKeyHeader = "X-Admin-Key";

    public required string Id { get; init; }

    public required string AdminKey { get; init; }

    public required string CatalogConnectionString { get; init; }

    public string? Redis { get; init; }

    public bool ExitWhenInputCloses { get; init; }

    public static NodeSettings Read(IConfiguration configuration)
    {
        var missing = new List<string>();
        var catalog = configuration.GetConnectionString("Catalog");
        var adminKey = configuration["Node:AdminKey"];
        if (string.IsNullOrWhiteSpace(catalog))
        {
            missing.Add("ConnectionStrings:Catalog (--ConnectionStrings:Catalog=\"Host=...\")");
        }

        if (string.IsNullOrWhiteSpace(adminKey))
        {
            missing.Add("Node:AdminKey (--Node:AdminKey=...)");
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException("The node needs these settings: " + string.Join(", ", missing) + ".");
        }

        return new NodeSettings
        {
            Id = configuration["Node:Id"] is { Length: > 0 } id ? id : Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            AdminKey = adminKey!,
            CatalogConnectionString = catalog!,
            Redis = configuration.GetConnectionString("Redis") is { Length: > 0 } redis ? redis : null,
            ExitWhenInputCloses = configuration.GetValue("Node:ExitWhenInputCloses", false),
        };
    }
}
