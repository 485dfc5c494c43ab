using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace TenantKit.Authentication.Tests.JwtBearer;

/// <summary>Bearer tokens, tried as an attacker would: every tenant trusts its own authority and keys only.</summary>
public sealed class TenantJwtBearerTests : IAsyncLifetime
{
    private AuthApp _app = null!;

    private DateTimeOffset Now => _app.Time.GetUtcNow();

    private Authority Acme => _app.Idp["https://idp.test/acme"];

    private Authority Globex => _app.Idp["https://idp.test/globex"];

    public async Task InitializeAsync() => _app = await AuthApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AcmeToken_IsAcceptedAtAcme_AndBoundToIt()
    {
        var token = Acme.Mint("api://acme", Now);

        using var me = await _app.GetAsync("acme.example.com", "/me", token);
        using var ticket = await _app.GetAsync("acme.example.com", "/ticket", token);

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("alice@acme", await me.Content.ReadAsStringAsync());
        Assert.Equal("t-acme", await ticket.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AcmeToken_IsRefusedAtGlobex_AtTheHost_AndAtATenantWithoutSettings()
    {
        var token = Acme.Mint("api://acme", Now);

        Assert.Equal(HttpStatusCode.OK, await _app.MeAsync("acme.example.com", token));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("globex.example.com", token));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("example.com", token));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("initech.example.com", token));
    }

    [Fact]
    public async Task AcmeTokenForGlobexAudience_IsRefusedAtGlobex()
    {
        // Signed by acme's real key and addressed to globex's API: globex trusts only globex's authority.
        var token = Acme.Mint("api://globex", Now);

        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("globex.example.com", token));
    }

    [Fact]
    public async Task TokenSignedByGlobexClaimingAcmesIssuer_IsRefusedAtAcme()
    {
        var withGlobexKid = Globex.Mint("api://acme", Now, issuer: Acme.Url);
        var withAcmeKid = Authority.MintWith(
            new SigningCredentials(new RsaSecurityKey(((RsaSecurityKey)Globex.Key).Rsa) { KeyId = Acme.KeyId }, SecurityAlgorithms.RsaSha256), Acme.Url, "api://acme", Now);

        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", withGlobexKid));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", withAcmeKid));
    }

    [Fact]
    public async Task HostAuthoritysToken_IsRefusedEverywhere_NoFallback()
    {
        // The application configured the scheme with a host authority and audience (in code and in appsettings): no
        // tenant, nor the host, may fall back to them.
        var host = _app.Idp["https://idp.test/host"];

        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("initech.example.com", host.Mint("api://host", Now)));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("example.com", host.Mint("api://host", Now)));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", host.Mint("api://acme", Now)));
        Assert.Equal(0, _app.Idp.Requests("https://idp.test/host"));
    }

    [Fact]
    public async Task TenantWithoutSettings_HasNoBearerScheme()
    {
        using var response = await _app.GetAsync("initech.example.com", "/me", Acme.Mint("api://acme", Now));
        var options = await _app.JwtOptionsOfAsync("initech");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Null(options.Authority);
        Assert.Null(options.ConfigurationManager);
        Assert.Empty(options.TokenValidationParameters.IssuerSigningKeys ?? []);
    }

    [Fact]
    public async Task ExpiredToken_IsRefused_ByTheSchemesClock()
    {
        var token = Acme.Mint("api://acme", Now, lifetime: TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, await _app.MeAsync("acme.example.com", token));

        // Past expiry plus the default five minutes of clock skew.
        _app.Time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", token));
    }

    [Fact]
    public async Task NotYetValidToken_IsRefused_UntilItsTime()
    {
        var token = Acme.Mint("api://acme", Now, lifetime: TimeSpan.FromHours(2), notBefore: Now.AddHours(1));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", token));

        _app.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.OK, await _app.MeAsync("acme.example.com", token));
    }

    [Fact]
    public async Task TokenWithoutExpiry_IsRefused()
    {
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var noExp = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Acme.Url,
            Audience = "api://acme",
            Subject = new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("sub", "alice")]),
            SigningCredentials = new SigningCredentials(Acme.Key, Acme.Algorithm),
        });

        Assert.DoesNotContain("\"exp\"", System.Text.Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(noExp.Split('.')[1])), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", noExp));
    }

    [Fact]
    public async Task UnsignedToken_AlgNone_IsRefused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", Acme.MintUnsigned("api://acme", Now)));
    }

    [Fact]
    public async Task KeyConfusion_HmacSignedWithThePublicKey_IsRefused()
    {
        // The classic confusion: HS256 keyed with the bytes of acme's published RSA key, under acme's kid.
        var secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Acme.Jwks())) { KeyId = Acme.KeyId };
        var token = Authority.MintWith(new SigningCredentials(secret, SecurityAlgorithms.HmacSha256), Acme.Url, "api://acme", Now);

        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", token));
    }

    [Fact]
    public async Task EmbeddedAttackerKey_InTheJwkHeader_IsRefused()
    {
        var attacker = new Authority("https://attacker.test");
        var headers = new Dictionary<string, object> { ["jwk"] = attacker.PublicJwk() };
        var token = Authority.MintWith(
            new SigningCredentials(new RsaSecurityKey(((RsaSecurityKey)attacker.Key).Rsa) { KeyId = Acme.KeyId }, SecurityAlgorithms.RsaSha256),
            Acme.Url, "api://acme", Now, headers: headers);

        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", token));
    }

    [Fact]
    public async Task KeysFromProperties_Ecdsa_AreTheTenantsOnly()
    {
        var umbrella = _app.Idp["https://umbrella.test"];
        var token = umbrella.Mint("api://umbrella", Now);

        Assert.Equal(HttpStatusCode.OK, await _app.MeAsync("umbrella.example.com", token));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("umbrella.example.com", umbrella.Mint("api://umbrella", Now, issuer: Acme.Url)));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", umbrella.Mint("api://acme", Now, issuer: Acme.Url)));
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = Authority.MintWith(new SigningCredentials(new ECDsaSecurityKey(otherKey) { KeyId = umbrella.KeyId }, SecurityAlgorithms.EcdsaSha256), umbrella.Url, "api://umbrella", Now);
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("umbrella.example.com", forged));
    }

    [Fact]
    public async Task SettingsFromAConfigurationSectionPerTenant_AreTheTenantsOnly()
    {
        var hooli = _app.Idp["https://idp.test/hooli"];

        Assert.Equal(HttpStatusCode.OK, await _app.MeAsync("hooli.example.com", hooli.Mint("api://hooli", Now)));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("acme.example.com", hooli.Mint("api://acme", Now)));
        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("hooli.example.com", Acme.Mint("api://hooli", Now)));
    }

    [Fact]
    public async Task InvalidSettings_TurnTheSchemeOff_AndAreLogged()
    {
        var broken = _app.Idp["https://idp.test/broken"];

        Assert.Equal(HttpStatusCode.Unauthorized, await _app.MeAsync("broken.example.com", broken.Mint("api://broken", Now)));
        var warning = Assert.Single(_app.Logs.WithEventId(7001));
        Assert.Contains("t-broken", warning.Message, StringComparison.Ordinal);
        Assert.Contains("HTTPS", warning.Message, StringComparison.Ordinal);
        Assert.Equal(0, _app.Idp.Requests("https://idp.test/broken"));
    }

    [Fact]
    public async Task EachTenant_HasItsOwnOptionsAndMetadataCache()
    {
        Assert.Equal(HttpStatusCode.OK, await _app.MeAsync("acme.example.com", Acme.Mint("api://acme", Now)));
        Assert.Equal(HttpStatusCode.OK, await _app.MeAsync("globex.example.com", Globex.Mint("api://globex", Now)));

        var acme = await _app.JwtOptionsOfAsync("acme");
        var globex = await _app.JwtOptionsOfAsync("globex");

        Assert.NotSame(acme, globex);
        Assert.NotNull(acme.ConfigurationManager);
        Assert.NotSame(acme.ConfigurationManager, globex.ConfigurationManager);
        Assert.Equal("https://idp.test/acme/.well-known/openid-configuration", acme.MetadataAddress);
        Assert.Equal("https://idp.test/globex/.well-known/openid-configuration", globex.MetadataAddress);
        Assert.Equal(1, _app.Idp.Requests("https://idp.test/acme") / 2);
        Assert.Equal(1, _app.Idp.Requests("https://idp.test/globex") / 2);
    }

    [Fact]
    public async Task AuthenticationRunBeforeTheTenantIsKnown_FindsNoUser()
    {
        await using var app = await AuthApp.StartAsync(pipeline: web =>
        {
            web.UseAuthentication();
            web.UseTenantKit();
            web.MapGet("/me", (Microsoft.AspNetCore.Http.HttpContext context) => context.User.Identity?.IsAuthenticated == true ? "user" : "anonymous");
        });
        var acme = app.Idp["https://idp.test/acme"];

        using var response = await app.GetAsync("acme.example.com", "/me", acme.Mint("api://acme", app.Time.GetUtcNow()));

        Assert.Equal("anonymous", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void DeclaringTheSameSchemeTwice_IsRefused()
    {
        var services = new ServiceCollection();
        services.AddTenantKit(t =>
        {
            t.WithTenantJwtBearer();
            Assert.Throws<InvalidOperationException>(() => t.WithTenantJwtBearer());
            Assert.Throws<ArgumentException>(() => t.WithTenantJwtBearer(o => { o.Scheme = "Other"; o.ConfigurationSection = "Tenants:Jwt"; }));
        });
    }

    [Fact]
    public async Task SchemeNotAddedByTheApplication_FailsAtStartUp()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication().AddCookie();
        builder.Services.AddTenantKit(t => t.WithInMemoryStore().WithTenantJwtBearer());
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("AddJwtBearer(\"Bearer\")", error.Message, StringComparison.Ordinal);
        Assert.Equal(JwtBearerDefaults.AuthenticationScheme, new TenantJwtBearerOptions().Scheme);
    }
}
