using Microsoft.AspNetCore.Authentication;
using TenantKit.Authentication.Binding;

namespace TenantKit.Authentication.OpenIdConnect;

/// <summary>
/// Wraps the sign-in state format so every state carries the tenant it was issued for, and a state of any other tenant
/// (or none) unprotects to <see langword="null"/>: the callback then fails as for a forged state. The inner format's
/// protector already has the tenant in its purposes; this holds even if it did not.
/// </summary>
internal sealed class TenantStateDataFormat(ISecureDataFormat<AuthenticationProperties> inner, string tenantId) : ISecureDataFormat<AuthenticationProperties>
{
    public string Protect(AuthenticationProperties data) => Protect(data, purpose: null);

    public string Protect(AuthenticationProperties data, string? purpose)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.Items[SchemeBinding.TenantProperty] = tenantId;
        return inner.Protect(data, purpose);
    }

    public AuthenticationProperties? Unprotect(string? protectedText) => Unprotect(protectedText, purpose: null);

    public AuthenticationProperties? Unprotect(string? protectedText, string? purpose)
    {
        var properties = inner.Unprotect(protectedText, purpose);
        return properties is not null
            && properties.Items.TryGetValue(SchemeBinding.TenantProperty, out var issuedFor)
            && string.Equals(issuedFor, tenantId, StringComparison.Ordinal)
            ? properties
            : null;
    }
}
