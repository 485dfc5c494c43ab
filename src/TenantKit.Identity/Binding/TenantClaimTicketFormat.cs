using Microsoft.AspNetCore.Authentication;

namespace TenantKit.Identity.Binding;

/// <summary>
/// Wraps a ticket format so a ticket whose principal does not carry the expected tenant claim unprotects to
/// <see langword="null"/> (the handler then sees no token). Used for Identity's bearer and refresh tokens.
/// </summary>
internal sealed class TenantClaimTicketFormat(ISecureDataFormat<AuthenticationTicket> inner, string? tenantId) : ISecureDataFormat<AuthenticationTicket>
{
    public string? TenantId { get; } = tenantId;

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, purpose: null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        var ticket = inner.Unprotect(protectedText, purpose);
        return ticket is not null && TenantPrincipalCheck.Matches(ticket.Principal, TenantId) ? ticket : null;
    }
}
