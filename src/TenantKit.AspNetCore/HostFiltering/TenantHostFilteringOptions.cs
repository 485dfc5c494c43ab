namespace TenantKit.AspNetCore;

/// <summary>
/// Which <c>Host</c> headers the application answers (<c>app.UseTenantHostFiltering()</c>): the host names its
/// tenants are served on (from the host strategy's templates) and the names listed here. Any other host gets a
/// <c>400</c> problem document before anything else runs, so no response (a redirect, a link in a password-reset
/// mail) is ever built from a host name an attacker chose.
/// </summary>
public sealed class TenantHostFilteringOptions
{
    /// <summary>
    /// The application's own host names and any extras: <c>example.com</c>, <c>localhost</c>, or <c>*.example.net</c>
    /// for every sub-domain. Ports are ignored; letter case and a trailing dot do not matter.
    /// </summary>
    /// <value>The default is empty: only tenant hosts are answered.</value>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Whether a host name that matches a host-strategy template (<c>acme.example.com</c>) is answered.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool AllowTenantHosts { get; set; } = true;
}
