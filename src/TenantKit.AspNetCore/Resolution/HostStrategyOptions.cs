namespace TenantKit.AspNetCore;

/// <summary>Configures the host-name strategy (<c>WithHostStrategy</c>).</summary>
public sealed class HostStrategyOptions
{
    /// <summary>
    /// The host templates, tried in order: <c>{tenant}.example.com</c>, <c>{tenant}.localhost</c> (local runs),
    /// <c>shop-{tenant}.example.com</c>. <c>{tenant}</c> must be in the first label; ports, letter case and a trailing
    /// dot of the request's host are ignored, and an internationalised host name is matched in punycode.
    /// </summary>
    public IList<string> Templates { get; } = [];

    /// <summary>
    /// Identifiers that a template matches but that name no tenant (<c>www</c>, <c>api</c>): such requests carry no
    /// identifier and are handled as <see cref="TenantRequestOptions.NonTenantRequests"/> says.
    /// </summary>
    public ISet<string> IgnoredIdentifiers { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
}
