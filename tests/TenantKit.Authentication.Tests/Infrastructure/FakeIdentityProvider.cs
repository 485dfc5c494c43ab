using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TenantKit.Authentication.Tests.Infrastructure;

/// <summary>
/// Identity providers served in process (no network): each authority has a key the test generated and publishes its
/// discovery document and JSON Web Key Set. Handed to the schemes as their backchannel handler.
/// </summary>
internal sealed class FakeIdentityProvider : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, Authority> _authorities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);

    public Authority Add(string url, bool ecdsa = false)
    {
        var authority = new Authority(url.TrimEnd('/'), ecdsa);
        _authorities[authority.Url] = authority;
        return authority;
    }

    public Authority this[string url] => _authorities[url.TrimEnd('/')];

    /// <summary>How many times a document under <paramref name="url"/> was fetched.</summary>
    public int Requests(string url) => _requests.TryGetValue(url.TrimEnd('/'), out var count) ? count : 0;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!.GetLeftPart(UriPartial.Path);
        foreach (var authority in _authorities.Values)
        {
            string? body = null;
            if (uri == authority.Url + "/.well-known/openid-configuration")
            {
                body = authority.DiscoveryDocument();
            }
            else if (uri == authority.Url + "/jwks")
            {
                body = authority.Jwks();
            }

            if (body is not null)
            {
                _requests.AddOrUpdate(authority.Url, 1, (_, n) => n + 1);
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
            }
        }

        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
    }
}

/// <summary>One identity provider: its issuer URL and its signing key (RSA or ECDSA P-256), made by the test.</summary>
internal sealed class Authority
{
    public Authority(string url, bool ecdsa = false)
    {
        Url = url;
        var kid = url.Replace("https://", string.Empty, StringComparison.Ordinal).Replace('/', '-') + "-key";
        if (ecdsa)
        {
            Key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = kid };
            Algorithm = SecurityAlgorithms.EcdsaSha256;
        }
        else
        {
            Key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid };
            Algorithm = SecurityAlgorithms.RsaSha256;
        }
    }

    public string Url { get; }

    public AsymmetricSecurityKey Key { get; }

    public string Algorithm { get; }

    public string KeyId => Key.KeyId;

    /// <summary>The public key as a JSON Web Key (no private part).</summary>
    public Dictionary<string, object> PublicJwk()
    {
        if (Key is RsaSecurityKey rsa)
        {
            var p = rsa.Rsa.ExportParameters(false);
            return new() { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = KeyId, ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent) };
        }

        var ec = ((ECDsaSecurityKey)Key).ECDsa.ExportParameters(false);
        return new() { ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["crv"] = "P-256", ["kid"] = KeyId, ["x"] = Base64UrlEncoder.Encode(ec.Q.X), ["y"] = Base64UrlEncoder.Encode(ec.Q.Y) };
    }

    public string Jwks() => JsonSerializer.Serialize(new { keys = new[] { PublicJwk() } });

    public string DiscoveryDocument() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["issuer"] = Url,
        ["authorization_endpoint"] = Url + "/authorize",
        ["token_endpoint"] = Url + "/token",
        ["end_session_endpoint"] = Url + "/logout",
        ["jwks_uri"] = Url + "/jwks",
        ["response_types_supported"] = new[] { "code", "id_token" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
    });

    /// <summary>A token signed with this authority's key; every claim can be overridden to forge one.</summary>
    public string Mint(string audience, DateTimeOffset now, TimeSpan? lifetime = null, string? issuer = null, DateTimeOffset? notBefore = null, IDictionary<string, object>? claims = null, IDictionary<string, object>? headers = null)
        => MintWith(new SigningCredentials(Key, Algorithm), issuer ?? Url, audience, now, lifetime, notBefore, claims, headers);

    public static string MintWith(SigningCredentials credentials, string issuer, string audience, DateTimeOffset now, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null, IDictionary<string, object>? claims = null, IDictionary<string, object>? headers = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = (notBefore ?? now).UtcDateTime,
            Expires = now.Add(lifetime ?? TimeSpan.FromMinutes(10)).UtcDateTime,
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Claims = claims,
            AdditionalHeaderClaims = headers,
            SigningCredentials = credentials,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) claiming this authority's issuer.</summary>
    public string MintUnsigned(string audience, DateTimeOffset now)
    {
        var header = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { alg = "none", typ = "JWT" }));
        var payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new
        {
            iss = Url,
            aud = audience,
            sub = "mallory",
            iat = now.ToUnixTimeSeconds(),
            nbf = now.ToUnixTimeSeconds(),
            exp = now.AddMinutes(10).ToUnixTimeSeconds(),
        }));
        return header + "." + payload + ".";
    }
}
