using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Authentication.Tests;

/// <summary>The README's setup, compiled and started (the test server instead of Kestrel).</summary>
public sealed class ReadmeTests
{
    [Fact]
    public async Task SetupSnippet_Starts()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthorization();
        builder.Services
            .AddAuthentication(o =>
            {
                o.DefaultScheme = JwtBearerDefaults.AuthenticationScheme;
                o.DefaultSignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddJwtBearer()
            .AddCookie()
            .AddOpenIdConnect();
        builder.Services.AddTenantKit(tenants => tenants
            .WithConfigurationStore()
            .WithHostStrategy("{tenant}.example.com")
            .IsolateAuthentication()
            .WithTenantJwtBearer()
            .WithTenantOpenIdConnect(o => o.ConfigurationSection = "Tenants:{tenant}:Authentication:Oidc"));

        await using var app = builder.Build();
        app.UseTenantKit();
        app.MapGet("/orders", () => "acme's orders").RequireAuthorization();
        await app.StartAsync();

        using var response = await app.GetTestClient().GetAsync(new Uri("http://example.com/orders"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
