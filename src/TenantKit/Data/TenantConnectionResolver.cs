using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace TenantKit.Data;

/// <summary>
/// Reads a tenant's isolation model, schema and connection string from its properties and <see cref="TenantDataOptions"/>.
/// Results are kept per tenant snapshot (a changed tenant is a new snapshot), so resolving is a table lookup.
/// </summary>
internal sealed class TenantConnectionResolver : ITenantConnectionResolver
{
    private readonly TenantDataOptions _options;
    private readonly ITenantContextAccessor _context;
    private readonly IConfiguration? _configuration;
    private readonly ConditionalWeakTable<TenantInfo, TenantDataLocation> _locations = new();

    public TenantConnectionResolver(IOptions<TenantDataOptions> options, ITenantContextAccessor context, IConfiguration? configuration = null)
    {
        _options = options.Value;
        _context = context;
        _configuration = configuration;
        Host = new TenantDataLocation(null, TenantIsolationModel.SharedTables, SharedConnectionString(), null);
    }

    public TenantDataLocation Host { get; }

    public TenantDataLocation Resolve(TenantInfo tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (_locations.TryGetValue(tenant, out var known))
        {
            return known;
        }

        var location = Create(tenant);
        return _locations.GetValue(tenant, _ => location);
    }

    public TenantDataLocation ResolveCurrent()
    {
        var current = _context.Current
            ?? throw new TenantNotSetException("There is no current tenant and no host scope, so there is no data to reach. Run the code inside a tenant scope, or inside ITenantContextAccessor.BeginHostScope() where the host acts.");
        return current.IsHost ? Host : Resolve(current.Tenant);
    }

    /// <summary>Escapes a tenant id into a schema-name fragment, one to one: <c>_</c> → <c>__</c>, <c>-</c> → <c>_0</c>, <c>.</c> → <c>_1</c>.</summary>
    internal static string EscapeId(string id)
    {
        var builder = new StringBuilder(id.Length + 8);
        foreach (var c in id)
        {
            _ = c switch
            {
                '_' => builder.Append("__"),
                '-' => builder.Append("_0"),
                '.' => builder.Append("_1"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    /// <summary>Tells whether <paramref name="schema"/> is a plain identifier: a letter or <c>_</c>, then letters, digits or <c>_</c>, at most 63 characters.</summary>
    internal static bool IsValidSchema(string schema)
    {
        if (schema.Length is 0 or > TenantDataOptions.MaxSchemaLength || char.IsAsciiDigit(schema[0]))
        {
            return false;
        }

        foreach (var c in schema)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private TenantDataLocation Create(TenantInfo tenant)
    {
        var isolation = _options.DefaultIsolation;
        if (tenant.GetProperty(TenantDataOptions.IsolationProperty) is { } value)
        {
            if (!TryParseIsolation(value, out isolation))
            {
                throw Invalid(TenantDataOptions.IsolationProperty, $"'{value}' is not an isolation model; use SharedTables, SchemaPerTenant or DatabasePerTenant.");
            }
        }

        var schema = tenant.GetProperty(TenantDataOptions.SchemaProperty);
        if (schema is not null && !IsValidSchema(schema))
        {
            throw Invalid(TenantDataOptions.SchemaProperty, $"'{schema}' is not a valid schema name: use 1 to {TenantDataOptions.MaxSchemaLength} letters, digits or '_', not starting with a digit.");
        }

        switch (isolation)
        {
            case TenantIsolationModel.SharedTables:
                return new TenantDataLocation(tenant, isolation, SharedConnectionString(), null);
            case TenantIsolationModel.SchemaPerTenant:
                schema ??= _options.SchemaTemplate.Replace("{id}", EscapeId(tenant.Id), StringComparison.Ordinal);
                if (!IsValidSchema(schema))
                {
                    throw Invalid(TenantDataOptions.SchemaProperty, $"the schema '{schema}' made from TenantDataOptions.SchemaTemplate is not a valid schema name (too long?); give the tenant a '{TenantDataOptions.SchemaProperty}' property.");
                }

                return new TenantDataLocation(tenant, isolation, SharedConnectionString(), schema);
            default:
                return new TenantDataLocation(tenant, isolation, TenantConnectionString(tenant), schema);
        }
    }

    private string TenantConnectionString(TenantInfo tenant)
    {
        if (tenant.GetProperty(TenantDataOptions.ConnectionStringProperty) is { Length: > 0 } own)
        {
            return own;
        }

        if (tenant.GetProperty(TenantDataOptions.ConnectionStringNameProperty) is { Length: > 0 } name)
        {
            return _configuration?.GetConnectionString(name) is { Length: > 0 } named
                ? named
                : throw Invalid(TenantDataOptions.ConnectionStringNameProperty, $"the application's configuration has no connection string named '{name}'.");
        }

        if (_options.ConnectionStringTemplate is { Length: > 0 } template)
        {
            return template.Replace("{id}", tenant.Id, StringComparison.Ordinal);
        }

        throw Invalid(
            TenantDataOptions.ConnectionStringProperty,
            $"the tenant has a database of its own but no connection string: set '{TenantDataOptions.ConnectionStringProperty}' or '{TenantDataOptions.ConnectionStringNameProperty}', or TenantDataOptions.ConnectionStringTemplate.");
    }

    private string? SharedConnectionString()
    {
        if (_options.ConnectionString is { Length: > 0 } connectionString)
        {
            return connectionString;
        }

        return _options.ConnectionStringName is { Length: > 0 } name ? _configuration?.GetConnectionString(name) : null;
    }

    private static bool TryParseIsolation(string value, out TenantIsolationModel isolation)
    {
        // Enum.TryParse also accepts numbers ("7"); only the names are a valid setting.
        isolation = default;
        var name = value.Trim();
        return name.Length > 0 && char.IsAsciiLetter(name[0])
            && Enum.TryParse(name, ignoreCase: true, out isolation) && Enum.IsDefined(isolation);
    }

    private static TenantValidationException Invalid(string property, string message)
        => new($"properties.{property}", message);
}
