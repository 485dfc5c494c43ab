using Microsoft.IdentityModel.Tokens;

namespace TenantKit.Authentication.Binding;

/// <summary>
/// Starts a tenant's <see cref="TokenValidationParameters"/> afresh. Of the application's parameters a tenant keeps only
/// what names claims or narrows what is accepted (claim types, clock skew, algorithms, token types); issuers,
/// audiences, keys, resolvers and validators are the tenant's own or none.
/// </summary>
internal static class TokenValidationShape
{
    public static TokenValidationParameters Fresh(TokenValidationParameters application)
    {
        var fresh = new TokenValidationParameters
        {
            NameClaimType = application.NameClaimType,
            RoleClaimType = application.RoleClaimType,
            ClockSkew = application.ClockSkew,
            ValidAlgorithms = application.ValidAlgorithms,
            ValidTypes = application.ValidTypes,
        };
        if (application.AuthenticationType is { } authenticationType)
        {
            fresh.AuthenticationType = authenticationType;
        }

        return fresh;
    }

    /// <summary>
    /// Turns on every check that binds a token to the tenant (issuer, audience, lifetime, signature) and judges lifetimes
    /// by <paramref name="time"/>, never the wall clock.
    /// </summary>
    public static void Bind(TokenValidationParameters parameters, TimeProvider time)
    {
        parameters.ValidateIssuer = true;
        parameters.ValidateAudience = true;
        parameters.ValidateLifetime = true;
        parameters.RequireExpirationTime = true;
        parameters.RequireSignedTokens = true;
        parameters.LifetimeValidator ??= (notBefore, expires, _, p) => ValidateLifetime(notBefore, expires, p, time);
    }

    private static bool ValidateLifetime(DateTime? notBefore, DateTime? expires, TokenValidationParameters parameters, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiration time.");
        }

        if (notBefore is { } nbf && nbf > now.Add(parameters.ClockSkew))
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        if (expires.Value < now.Subtract(parameters.ClockSkew))
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }

        return true;
    }
}
