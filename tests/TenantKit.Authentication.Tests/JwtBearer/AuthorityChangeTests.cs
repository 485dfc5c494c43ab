using System.Net;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Authentication.Tests.JwtBearer;

public sealed class AuthorityChangeTests
{
    [Fact]
    public async Task ChangingATenantsAuthority_ReloadsThatTenantOnly()
    {
        await using var app = await AuthApp.StartAsync();
        var now = app.Time.GetUtcNow();
        var acme = app.Idp["https://idp.test/acme"];
        var acmeV2 = app.Idp["https://idp.test/acme-v2"];
        var globex = app.Idp["https://idp.test/globex"];
        Assert.Equal(HttpStatusCode.OK, await app.MeAsync("acme.example.com", acme.Mint("api://acme", now)));
        Assert.Equal(HttpStatusCode.OK, await app.MeAsync("globex.example.com", globex.Mint("api://globex", now)));
        var acmeGeneration = app.Status("t-acme").Generation;
        var globexGeneration = app.Status("t-globex").Generation;
        var globexOptions = await app.JwtOptionsOfAsync("globex");
        var globexMetadata = globexOptions.ConfigurationManager;

        using (app.App.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            var administration = app.App.Services.GetRequiredService<ITenantAdministration>();
            var tenant = (await administration.GetAsync("t-acme"))!;
            var properties = new Dictionary<string, string>(tenant.Properties) { ["Authentication:Jwt:Authority"] = acmeV2.Url };
            await administration.UpdateAsync(tenant.Id, new TenantUpdate { Properties = properties }, tenant.Version);
        }

        await Eventually.UntilAsync(() => app.Status("t-acme").Generation != acmeGeneration, "acme's new generation serves");

        Assert.Equal(HttpStatusCode.OK, await app.MeAsync("acme.example.com", acmeV2.Mint("api://acme", now)));
        Assert.Equal(HttpStatusCode.Unauthorized, await app.MeAsync("acme.example.com", acme.Mint("api://acme", now)));
        Assert.Equal(HttpStatusCode.OK, await app.MeAsync("globex.example.com", globex.Mint("api://globex", now)));
        Assert.Equal(globexGeneration, app.Status("t-globex").Generation);
        Assert.Same(globexOptions, await app.JwtOptionsOfAsync("globex"));
        Assert.Same(globexMetadata, (await app.JwtOptionsOfAsync("globex")).ConfigurationManager);
        Assert.Equal("https://idp.test/acme-v2/.well-known/openid-configuration", (await app.JwtOptionsOfAsync("acme")).MetadataAddress);
        Assert.Equal(JwtBearerDefaults.AuthenticationScheme, new TenantJwtBearerOptions().Scheme);
    }
}
