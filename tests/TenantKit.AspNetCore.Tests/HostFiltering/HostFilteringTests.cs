using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.TestHost;
using TenantKit.AspNetCore.Tests.Infrastructure;

namespace TenantKit.AspNetCore.Tests.HostFiltering;

/// <summary>Host-header poisoning, tried as an attacker: a forged Host must never shape a response.</summary>
public sealed class HostFilteringTests
{
    private static Task<WebApplication> StartAsync(Action<TenantHostFilteringOptions>? configure = null, Action<WebApplication>? before = null)
        => TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}." + TestApp.Domain).ConfigureRequests(o => o.NonTenantRequests = NonTenantRequestHandling.ServeAsHost),
            app =>
            {
                before?.Invoke(app);
                app.UseTenantHostFiltering(configure);
                app.UseTenantKit();
                TestApp.MapProbe(app);
                // What a password-reset or sign-in flow does: builds an absolute link from the request's host.
                app.MapGet("/login", (HttpContext c) => Results.Redirect($"{c.Request.Scheme}://{c.Request.Host}/signed-in"));
            });

    [Theory]
    [InlineData("evil.com")]
    [InlineData("acme.example.com.evil.com")]
    [InlineData("example.com")]                       // the apex is not a tenant host, and was not listed
    [InlineData("acme.example.comx")]
    public async Task ForgedHost_IsRefusedWith400ProblemBeforeAnyRedirectIsBuilt(string host)
    {
        await using var app = await StartAsync();
        using var client = app.GetTestClient();

        using var response = await client.SendAsync(TestApp.Get(host, "/login"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var problem = await response.ReadProblemAsync();
        Assert.Equal(TenantProblemTypes.HostNotAllowed, problem.Type);
        Assert.DoesNotContain("evil", problem.Detail ?? string.Empty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u212Acme.example.com")]             // Kelvin sign: a look-alike of a tenant host
    [InlineData("\u0430cme.example.com")]             // Cyrillic а
    [InlineData("acme.example.com, evil.com")]
    public async Task LookAlikeRawHostHeader_IsRefused(string host)
    {
        await using var app = await StartAsync();

        // Sent raw: HttpClient itself would map the Kelvin sign to 'k' before sending.
        var context = await app.GetTestServer().SendAsync(c =>
        {
            c.Request.Headers.Host = host;
            c.Request.Path = "/login";
        });

        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Location"));
    }

    [Fact]
    public async Task TenantHost_IsServed_AndItsRedirectsStayOnIt()
    {
        await using var app = await StartAsync();
        using var client = app.GetTestClient();

        Assert.Equal("acme", (await client.GetProbeAsync("acme.example.com")).Tenant);
        Assert.Equal("globex", (await client.GetProbeAsync("GLOBEX.example.com.:8443")).Tenant);
        using var redirect = await client.SendAsync(TestApp.Get("acme.example.com", "/login"));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("http://acme.example.com/signed-in", redirect.Headers.Location!.ToString());
    }

    [Fact]
    public async Task AllowedHosts_ServeTheApplicationsOwnNamesAndWildcards_AndNothingElse()
    {
        await using var app = await StartAsync(o =>
        {
            o.AllowedHosts.Add("example.com");
            o.AllowedHosts.Add("*.internal.example.net");
        });
        using var client = app.GetTestClient();

        Assert.True((await client.GetProbeAsync("example.com")).AmbientIsHost);
        Assert.True((await client.GetProbeAsync("node-1.internal.example.net")).AmbientIsHost);
        using var apex = await client.SendAsync(TestApp.Get("internal.example.net"));
        Assert.Equal(HttpStatusCode.BadRequest, apex.StatusCode);
        using var suffixTrick = await client.SendAsync(TestApp.Get("evilinternal.example.net"));
        Assert.Equal(HttpStatusCode.BadRequest, suffixTrick.StatusCode);
    }

    [Fact]
    public async Task TenantHostsCanBeTurnedOff_LeavingOnlyTheListedNames()
    {
        await using var app = await StartAsync(o =>
        {
            o.AllowTenantHosts = false;
            o.AllowedHosts.Add("admin.example.org");
        });
        using var client = app.GetTestClient();

        using var tenant = await client.SendAsync(TestApp.Get("acme.example.com"));
        Assert.Equal(HttpStatusCode.BadRequest, tenant.StatusCode);
        Assert.True((await client.GetProbeAsync("admin.example.org")).AmbientIsHost);
    }

    [Fact]
    public async Task BehindATrustedProxy_TheForwardedHostIsChecked_AndAnUntrustedSenderCannotForgeIt()
    {
        var proxy = IPAddress.Parse("10.0.0.1");
        await using var app = await StartAsync(before: a =>
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedHost | ForwardedHeaders.XForwardedProto };
            forwarded.KnownProxies.Add(proxy);
            a.UseForwardedHeaders(forwarded);
        });
        var server = app.GetTestServer();

        // The proxy received acme.example.com and calls the node by its internal name.
        var viaProxy = await server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = proxy;
            c.Request.Host = new HostString("node-1:8080");
            c.Request.Path = "/login";
            c.Request.Headers["X-Forwarded-Host"] = "acme.example.com";
            c.Request.Headers["X-Forwarded-Proto"] = "https";
        });
        Assert.Equal(StatusCodes.Status302Found, viaProxy.Response.StatusCode);
        Assert.Equal("https://acme.example.com/signed-in", viaProxy.Response.Headers.Location.ToString());

        // A forged X-Forwarded-Host from anyone else is ignored: the real Host (evil.com) is what is checked.
        var forged = await server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.9");
            c.Request.Host = new HostString("evil.com");
            c.Request.Path = "/login";
            c.Request.Headers["X-Forwarded-Host"] = "acme.example.com";
        });
        Assert.Equal(StatusCodes.Status400BadRequest, forged.Response.StatusCode);

        // And the trusted proxy forwarding a forged host gets it refused too.
        var poisoned = await server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = proxy;
            c.Request.Host = new HostString("node-1:8080");
            c.Request.Path = "/login";
            c.Request.Headers["X-Forwarded-Host"] = "evil.com";
        });
        Assert.Equal(StatusCodes.Status400BadRequest, poisoned.Response.StatusCode);
    }

    [Fact]
    public async Task NoHostAllowedAtAll_IsRefusedWhenThePipelineIsBuilt()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestApp.StartAsync(
            b => b.WithHeaderStrategy(),
            app => app.UseTenantHostFiltering()));

        Assert.Contains("allows no host", ex.Message, StringComparison.Ordinal);
    }
}
