using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace TenantKit.AspNetCore.Resolution;

/// <summary>
/// Reads the identifier from a claim of the authenticated user. It is authoritative: besides answering in its place in
/// the declared order, the middleware checks it after any other strategy answered, and refuses the request
/// (403, <c>tenant-mismatch</c>) when the user's claim names another tenant than the request. So a header or host a
/// client can forge never moves a signed-in user into another tenant.
/// </summary>
internal sealed class ClaimTenantStrategy(string claimType, string? authenticationScheme) : ITenantStrategy<HttpContext>
{
    public string ClaimType { get; } = claimType;

    public string? AuthenticationScheme { get; } = authenticationScheme;

    public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (AuthenticationScheme is null)
        {
            return new(Read(context.User));
        }

        return AuthenticateAsync(context);
    }

    private async ValueTask<ReadOnlyMemory<char>> AuthenticateAsync(HttpContext context)
    {
        // Runs the scheme's handler with the services in effect (the host's, before the tenant is known); handlers
        // cache their result for the request, so the check after resolution does not authenticate twice.
        var result = await context.AuthenticateAsync(AuthenticationScheme).ConfigureAwait(false);
        return result.Succeeded ? Read(result.Principal) : default;
    }

    private ReadOnlyMemory<char> Read(ClaimsPrincipal? principal)
    {
        if (principal is null)
        {
            return default;
        }

        string? found = null;
        foreach (var identity in principal.Identities)
        {
            if (!identity.IsAuthenticated)
            {
                continue;
            }

            foreach (var claim in identity.FindAll(ClaimType))
            {
                if (found is not null && !string.Equals(found, claim.Value, StringComparison.OrdinalIgnoreCase))
                {
                    // Two different tenant claims: the principal is ambiguous, so it names no tenant it may enter.
                    return IdentifierText.Malformed;
                }

                found = claim.Value;
            }
        }

        return found is null ? default : IdentifierText.Prepare(found.AsMemory());
    }
}
