namespace TenantKit.Samples.Saas.Hosting;

/// <summary>The sample's own settings, from the <c>Sample</c> configuration section.</summary>
public sealed class SampleOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Sample";

    /// <summary>
    /// Where the SQLite database files live. Empty: the user's local data folder
    /// (<c>~/.local/share/TenantKit.Samples.Saas</c> on Linux, <c>%LOCALAPPDATA%\TenantKit.Samples.Saas</c> on Windows),
    /// outside the repository. Not used with PostgreSQL.
    /// </summary>
    public string? DataPath { get; set; }

    /// <summary>The host console's one account.</summary>
    public HostAccountOptions Host { get; set; } = new();

    /// <summary>The rate-limit plans a tenant's <c>Plan</c> property can name (<c>free</c>, <c>pro</c>).</summary>
    public Dictionary<string, PlanOptions> Plans { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The host console's account.</summary>
public sealed class HostAccountOptions
{
    /// <summary>The user name.</summary>
    public string UserName { get; set; } = "admin";

    /// <summary>The password; sign-in is refused while it is empty.</summary>
    public string Password { get; set; } = string.Empty;
}

/// <summary>A rate-limit plan: so many requests per window.</summary>
public sealed class PlanOptions
{
    /// <summary>Requests per window.</summary>
    public int PermitLimit { get; set; } = 60;

    /// <summary>The window.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
