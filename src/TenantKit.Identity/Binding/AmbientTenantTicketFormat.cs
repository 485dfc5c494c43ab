using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TenantKit.Identity.Binding;

/// <summary>
/// The application's own bearer token protectors. Code that reads <see cref="BearerTokenOptions"/> from the
/// application's root services rather than the request's (Identity's <c>MapIdentityApi</c> does, for <c>/refresh</c>)
/// would otherwise use the host's protector inside a tenant: this format hands such calls, when a tenant is current, to
/// the tenant's own (tenant-bound) protector, and otherwise acts as the host's, which refuses any tenant's principal.
/// </summary>
internal sealed class AmbientTenantTicketFormat(
    ISecureDataFormat<AuthenticationTicket> host, ITenantContextAccessor accessor, string scheme, bool refresh) : ISecureDataFormat<AuthenticationTicket>
{
    public string Protect(AuthenticationTicket data) => Current().Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => Current().Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Current().Unprotect(protectedText);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) => Current().Unprotect(protectedText, purpose);

    private ISecureDataFormat<AuthenticationTicket> Current()
    {
        if (accessor.Current is not { IsHost: false } current)
        {
            return host;
        }

        var options = current.Services?.GetService<IOptionsMonitor<BearerTokenOptions>>()?.Get(scheme);
        var format = refresh ? options?.RefreshTokenProtector : options?.BearerTokenProtector;
        return format is TenantClaimTicketFormat { TenantId: { } id } && id == current.Tenant!.Id
            ? format
            : Refusing.Instance;
    }

    /// <summary>Protects nothing and unprotects nothing: a tenant whose own protector cannot be found gets no tokens.</summary>
    private sealed class Refusing : ISecureDataFormat<AuthenticationTicket>
    {
        public static readonly Refusing Instance = new();

        public string Protect(AuthenticationTicket data) => throw new InvalidOperationException("The current tenant has no tenant-bound bearer token protector.");

        public string Protect(AuthenticationTicket data, string? purpose) => Protect(data);

        public AuthenticationTicket? Unprotect(string? protectedText) => null;

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) => null;
    }
}
