using Microsoft.AspNetCore.Authentication;

namespace TenantKit.AspNetCore.Authentication;

/// <summary>
/// Wraps an authentication ticket format so every ticket carries the tenant it was issued for, and a ticket of any other
/// tenant (or none) unprotects to <see langword="null"/>: the handler then treats the cookie as absent. This holds even
/// when tenants share data-protection keys and cookie names.
/// </summary>
internal sealed class TenantTicketDataFormat(ISecureDataFormat<AuthenticationTicket> inner, string tenantId) : ISecureDataFormat<AuthenticationTicket>
{
    /// <summary>The ticket property holding the tenant id.</summary>
    public const string TenantProperty = ".tenantkit.tenant";

    public string TenantId { get; } = tenantId;

    public string Protect(AuthenticationTicket data) => Protect(data, purpose: null);

    public string Protect(AuthenticationTicket data, string? purpose)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.Properties.Items[TenantProperty] = TenantId;
        return inner.Protect(data, purpose);
    }

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, purpose: null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        var ticket = inner.Unprotect(protectedText, purpose);
        return ticket is not null
            && ticket.Properties.Items.TryGetValue(TenantProperty, out var issuedFor)
            && string.Equals(issuedFor, TenantId, StringComparison.Ordinal)
            ? ticket
            : null;
    }
}
