using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.AspNetCore.Tests.OutputCaching;

public class TenantOutputCacheTests
{
    [Fact]
    public async Task CachedResponseOfOneTenant_IsNeverServedToAnother()
    {
        var renders = 0;
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            app.UseOutputCache();
            app.MapGet("/page", (HttpContext c) => $"{c.GetTenant()?.Identifier ?? "host"}:{Interlocked.Increment(ref renders)}").CacheOutput();
        }, s => s.AddOutputCache());
        var client = app.GetTestClient();

        var acme = await client.GetStringAsync("http://acme.example.com/page");
        var acmeAgain = await client.GetStringAsync("http://acme.example.com/page");
        var globex = await client.GetStringAsync("http://globex.example.com/page");
        var globexAgain = await client.GetStringAsync("http://globex.example.com/page");
        var host = await client.GetStringAsync("http://example.com/page");

        Assert.Equal("acme:1", acme);
        Assert.Equal("acme:1", acmeAgain);
        Assert.Equal("globex:2", globex);
        Assert.Equal("globex:2", globexAgain);
        Assert.Equal("host:3", host);
    }

    [Fact]
    public async Task NamedPolicyWithVaryByTenant_KeepsTenantsApart()
    {
        var renders = 0;
        await using var app = await TestApp.StartAsync(b => b.WithPathBaseStrategy(), app =>
        {
            app.UseTenantKit();
            app.UseOutputCache();
            app.MapGet("/page", (HttpContext c) => $"{c.GetTenant()?.Identifier}:{Interlocked.Increment(ref renders)}").CacheOutput("pages");
        }, s => s.AddOutputCache(o => o.AddPolicy("pages", p => p.Expire(TimeSpan.FromMinutes(5)).VaryByTenant())));
        var client = app.GetTestClient();

        Assert.Equal("acme:1", await client.GetStringAsync("http://example.com/t/acme/page"));
        Assert.Equal("globex:2", await client.GetStringAsync("http://example.com/t/globex/page"));
        Assert.Equal("acme:1", await client.GetStringAsync("http://example.com/t/ACME/page"));
    }

    [Fact]
    public async Task OutputCacheBeforeTheTenantMiddleware_CachesNothing()
    {
        var renders = 0;
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseOutputCache();
            app.UseTenantKit();
            app.MapGet("/page", (HttpContext c) => $"{c.GetTenant()?.Identifier}:{Interlocked.Increment(ref renders)}").CacheOutput();
        }, s => s.AddOutputCache());
        var client = app.GetTestClient();

        Assert.Equal("acme:1", await client.GetStringAsync("http://acme.example.com/page"));
        Assert.Equal("globex:2", await client.GetStringAsync("http://globex.example.com/page"));
        Assert.Equal("acme:3", await client.GetStringAsync("http://acme.example.com/page"));
    }
}
