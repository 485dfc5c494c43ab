namespace TenantKit;

/// <summary>
/// Which identifiers the host may give tenants, checked when a tenant is created or renamed (through
/// <see cref="ITenantAdministration"/> and the administration endpoints). Configure with
/// <c>TenantKitBuilder.ConfigureIdentifiers</c>.
/// </summary>
public sealed class TenantIdentifierOptions
{
    /// <summary>
    /// Whether internationalised identifiers (<c>bücher</c>, kept as <c>xn--bcher-kva</c>) may be created. When they
    /// may, a new identifier whose look-alike skeleton equals an existing tenant's is refused (<c>аpple</c> in Cyrillic
    /// beside <c>apple</c>).
    /// </summary>
    /// <value>The default is <see langword="false"/>: identifiers are ASCII (<c>a-z</c>, <c>0-9</c>, <c>-</c>).</value>
    public bool AllowInternationalized { get; set; }

    /// <summary>
    /// Identifiers no tenant may have: names the application's host names and paths use for itself, or that users
    /// would take for the operator's. Compared after normalisation (case-insensitive); add your own.
    /// </summary>
    /// <value>The default is <c>www</c>, <c>api</c>, <c>admin</c>, <c>console</c>, <c>host</c>, <c>localhost</c>, <c>mail</c>, <c>static</c>.</value>
    public ISet<string> Reserved { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "www", "api", "admin", "console", "host", "localhost", "mail", "static",
    };
}
