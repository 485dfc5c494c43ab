using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TenantKit.Identity.Tests.Binding;

/// <summary>Sign-in is bound to the tenant: every credential issued at acme, replayed elsewhere, is refused.</summary>
public sealed class SignInBindingTests(SqliteFixture database) : IClassFixture<SqliteFixture>
{
    private const string Email = "alice@example.com";

    [Fact]
    public async Task SameEmail_RegistersIndependentlyPerTenant_WithItsOwnPassword()
    {
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", Email, "Acme-Passw0rd!");
        await app.CreateUserAsync("globex", Email, "Globex-Passw0rd!");

        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("acme", Email, "Acme-Passw0rd!")).Status);
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("globex", Email, "Globex-Passw0rd!")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("globex", Email, "Acme-Passw0rd!")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", Email, "Globex-Passw0rd!")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("initech", Email, "Acme-Passw0rd!")).Status);
    }

    [Fact]
    public async Task AcmeCookie_IsRefusedAtGlobex_AtALookAlikeTenant_AndAtTheHost_UnderAnyName()
    {
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", Email);
        await app.CreateUserAsync("globex", Email);
        var (_, acme) = await app.LoginAsync("acme", Email, IdentityApp.Password, cookie: true);

        Assert.NotNull(acme?.Cookie);
        Assert.StartsWith(".AspNetCore.Identity.Application.t-acme=", acme.Cookie, StringComparison.Ordinal);
        Assert.Equal(Email, await app.MeAsync("acme", acme));
        var value = acme.Cookie[(acme.Cookie.IndexOf('=', StringComparison.Ordinal) + 1)..];
        foreach (var (tenant, name) in new[] { ("globex", ".AspNetCore.Identity.Application.t-globex"), ("acme1", ".AspNetCore.Identity.Application.t-acme1"), ("", ".AspNetCore.Identity.Application") })
        {
            Assert.Equal("anonymous", await app.MeAsync(tenant, acme));
            Assert.Equal("anonymous", await app.MeAsync(tenant, new Credentials($"{name}={value}", null, null)));
        }
    }

    [Fact]
    public async Task AcmeBearerAndRefreshTokens_AreRefusedAtGlobexAndAtTheHost()
    {
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", Email);
        await app.CreateUserAsync("globex", Email);
        var (_, acme) = await app.LoginAsync("acme", Email, IdentityApp.Password);

        Assert.Equal(Email, await app.MeAsync("acme", acme!));
        Assert.Equal("anonymous", await app.MeAsync("globex", acme!));
        Assert.Equal("anonymous", await app.MeAsync("", acme!));
        Assert.Equal("anonymous", await app.MeAsync("acme1", acme!));

        using var atAcme = await app.SendAsync(HttpMethod.Post, "acme", "/refresh", new { refreshToken = acme!.Refresh });
        using var atGlobex = await app.SendAsync(HttpMethod.Post, "globex", "/refresh", new { refreshToken = acme.Refresh });
        Assert.Equal(HttpStatusCode.OK, atAcme.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, atGlobex.StatusCode);
    }

    [Fact]
    public async Task ResetToken_GeneratedAtAcme_FailsAtGlobex_ForTheUserWithTheSameEmail()
    {
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", Email);
        await app.CreateUserAsync("globex", Email);

        using var forgot = await app.SendAsync(HttpMethod.Post, "acme", "/forgotPassword", new { email = Email });
        Assert.Equal(HttpStatusCode.OK, forgot.StatusCode);
        var code = app.Mail.LastFor(Email)!;

        using var atGlobex = await app.SendAsync(HttpMethod.Post, "globex", "/resetPassword", new { email = Email, resetCode = code, newPassword = "Stolen-Passw0rd!" });
        Assert.Equal(HttpStatusCode.BadRequest, atGlobex.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("globex", Email, "Stolen-Passw0rd!")).Status);

        using var atAcme = await app.SendAsync(HttpMethod.Post, "acme", "/resetPassword", new { email = Email, resetCode = code, newPassword = "Acme-New-Passw0rd!" });
        Assert.Equal(HttpStatusCode.OK, atAcme.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("acme", Email, "Acme-New-Passw0rd!")).Status);
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("globex", Email, IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task TokensOfAcme_DoNotValidateForTheSameUserRowReadAtGlobex()
    {
        // Stronger than a different user: the very row (same id, same security stamp) checked with globex's token
        // providers. Only the tenant's data protection tells them apart.
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", Email);
        var tokens = await app.AsTenantAsync("acme", async services =>
        {
            var users = services.GetRequiredService<UserManager<AppUser>>();
            var user = (await users.FindByEmailAsync(Email))!;
            return (user, reset: await users.GeneratePasswordResetTokenAsync(user), confirm: await users.GenerateEmailConfirmationTokenAsync(user),
                change: await users.GenerateChangeEmailTokenAsync(user, "new@example.com"));
        });

        var valid = await app.AsTenantAsync("globex", async services =>
        {
            var users = services.GetRequiredService<UserManager<AppUser>>();
            var options = users.Options.Tokens;
            return new[]
            {
                await users.VerifyUserTokenAsync(tokens.user, options.PasswordResetTokenProvider, UserManager<AppUser>.ResetPasswordTokenPurpose, tokens.reset),
                await users.VerifyUserTokenAsync(tokens.user, options.EmailConfirmationTokenProvider, UserManager<AppUser>.ConfirmEmailTokenPurpose, tokens.confirm),
                await users.VerifyUserTokenAsync(tokens.user, options.ChangeEmailTokenProvider, UserManager<AppUser>.GetChangeEmailTokenPurpose("new@example.com"), tokens.change),
            };
        });
        var validAtAcme = await app.AsTenantAsync("acme", async services =>
        {
            var users = services.GetRequiredService<UserManager<AppUser>>();
            return await users.VerifyUserTokenAsync(tokens.user, users.Options.Tokens.PasswordResetTokenProvider, UserManager<AppUser>.ResetPasswordTokenPurpose, tokens.reset);
        });

        Assert.Equal([false, false, false], valid);
        Assert.True(validAtAcme);
    }

    [Fact]
    public async Task ForgedTenantClaim_InATicketAcmeItselfProtected_IsRefused()
    {
        // Even a ticket protected with acme's own keys (as a bug elsewhere might produce) is refused when its principal
        // names another tenant, or none.
        await using var app = await IdentityApp.StartAsync(database);
        var userId = await app.CreateUserAsync("acme", Email);
        var (cookieFormat, cookieName, bearerFormat) = await app.AsTenantAsync("acme", services =>
        {
            var cookie = services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
            var bearer = services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(IdentityConstants.BearerScheme);
            return Task.FromResult((cookie.TicketDataFormat, cookie.Cookie.Name!, bearer.BearerTokenProtector));
        });

        foreach (var claims in new[] { new[] { "t-globex" }, [], ["t-acme", "t-globex"] })
        {
            var identity = new ClaimsIdentity(IdentityConstants.ApplicationScheme);
            identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, userId));
            identity.AddClaim(new Claim(ClaimTypes.Name, Email));
            identity.AddClaims(claims.Select(c => new Claim(TenantIdentityClaimTypes.TenantId, c)));
            var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), IdentityConstants.ApplicationScheme);

            Assert.Equal("anonymous", await app.MeAsync("acme", new Credentials($"{cookieName}={cookieFormat.Protect(ticket)}", null, null)));
            Assert.NotEqual(Email, await app.MeAsync("acme", new Credentials(null, bearerFormat.Protect(ticket), null)));
        }
    }

    [Fact]
    public async Task SecurityStamp_ValidatedInTheTenantStore_EndsASessionWhenTheUserIsDeleted()
    {
        await using var app = await IdentityApp.StartAsync(database);
        await app.CreateUserAsync("acme", Email);
        var (_, acme) = await app.LoginAsync("acme", Email, IdentityApp.Password, cookie: true);
        var principal = await app.AsTenantAsync("acme", async services =>
        {
            var users = services.GetRequiredService<UserManager<AppUser>>();
            var factory = services.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>();
            return await factory.CreateAsync((await users.FindByEmailAsync(Email))!);
        });

        Assert.Equal("t-acme", principal.FindFirst(TenantIdentityClaimTypes.TenantId)?.Value);
        var atGlobex = await app.AsTenantAsync("globex", services => services.GetRequiredService<SignInManager<AppUser>>().ValidateSecurityStampAsync(principal));
        var atAcme = await app.AsTenantAsync("acme", services => services.GetRequiredService<SignInManager<AppUser>>().ValidateSecurityStampAsync(principal));
        Assert.Null(atGlobex);
        Assert.NotNull(atAcme);
        Assert.Equal(Email, await app.MeAsync("acme", acme!));
    }

    [Fact]
    public async Task DataProtectionOfEachTenant_IsDerivedFromTheHosts_AndCannotReadAnothers()
    {
        await using var app = await IdentityApp.StartAsync(database);
        var payload = await app.AsTenantAsync("acme", services => Task.FromResult(services.GetRequiredService<IDataProtectionProvider>().CreateProtector("x").Protect("secret")));

        var atGlobex = await app.AsTenantAsync("globex", services => Task.FromResult(Record.Exception(() => services.GetRequiredService<IDataProtectionProvider>().CreateProtector("x").Unprotect(payload))));

        Assert.IsType<System.Security.Cryptography.CryptographicException>(atGlobex);
    }
}
