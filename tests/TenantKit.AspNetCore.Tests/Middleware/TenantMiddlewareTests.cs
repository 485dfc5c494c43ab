using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.AspNetCore.Tests.Middleware;

public class TenantMiddlewareTests
{
    [Fact]
    public async Task TwoTenants_SameEndpoint_GetTheirOwnSingletonsAndOptions_AndShareHostSingletons()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);
        var client = app.GetTestClient();

        var acme = await client.GetProbeAsync("acme.example.com");
        var acmeAgain = await client.GetProbeAsync("acme.example.com");
        var globex = await client.GetProbeAsync("globex.example.com");

        Assert.Equal("acme", acme.Tenant);
        Assert.Equal("globex", globex.Tenant);
        Assert.Equal("Hello from Acme", acme.Greeting);
        Assert.Equal("Hello from Globex", globex.Greeting);
        Assert.NotNull(acme.TenantCounter);
        Assert.Equal(acme.TenantCounter, acmeAgain.TenantCounter);
        Assert.NotEqual(acme.TenantCounter, globex.TenantCounter);
        Assert.Equal(acme.HostClock, globex.HostClock);
        Assert.Equal(app.Services.GetRequiredService<HostClock>().Id, acme.HostClock);
    }

    [Fact]
    public async Task TenantRequest_RunsInsideAnAmbientTenantScopeWithTheTenantsServices()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);

        var probe = await app.GetTestClient().GetProbeAsync("ACME.example.com:8080");

        Assert.Equal("acme", probe.AmbientTenant);
        Assert.True(probe.AmbientHasServices);
        Assert.False(probe.AmbientIsHost);
        Assert.Null(app.Services.GetRequiredService<ITenantContextAccessor>().Current);
    }

    [Theory]
    [InlineData("/sync")]
    [InlineData("/async")]
    public async Task TenantRequest_AfterTheTenantMiddlewareReturns_TheAmbientContextIsGone(string path)
    {
        // The middleware does not dispose its ambient scope: the end of its async method restores the caller's
        // execution context. Middleware outside it must see no tenant, whether the endpoint completed synchronously or not.
        var seen = new List<(string? During, bool AfterIsNull)>();
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            var accessor = app.Services.GetRequiredService<ITenantContextAccessor>();
            app.Use(async (context, next) =>
            {
                await next(context);
                lock (seen)
                {
                    seen.Add((context.Items["during"] as string, accessor.Current is null));
                }
            });
            app.UseTenantKit();
            app.MapGet("/sync", (HttpContext context) =>
            {
                context.Items["during"] = accessor.Current?.Tenant?.Identifier;
                return "ok";
            });
            app.MapGet("/async", async (HttpContext context) =>
            {
                await Task.Yield();
                context.Items["during"] = accessor.Current?.Tenant?.Identifier;
                return "ok";
            });
        });
        var client = app.GetTestClient();

        foreach (var host in new[] { "acme.example.com", "globex.example.com", "acme.example.com" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = host } };
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal([("acme", true), ("globex", true), ("acme", true)], seen);
    }

    [Fact]
    public async Task BareHost_ByDefault_IsServedWithTheApplicationsServicesAndNoAmbientContext()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);

        var probe = await app.GetTestClient().GetProbeAsync("example.com");

        Assert.Null(probe.Tenant);
        Assert.Null(probe.AmbientTenant);
        Assert.False(probe.AmbientIsHost);
        Assert.Null(probe.TenantCounter);
        Assert.Null(probe.Greeting);
    }

    [Fact]
    public async Task BareHost_ServeAsHost_RunsInsideAHostScope()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").ConfigureRequests(o => o.NonTenantRequests = NonTenantRequestHandling.ServeAsHost),
            TestApp.Standard);

        var probe = await app.GetTestClient().GetProbeAsync("example.com");

        Assert.True(probe.AmbientIsHost);
        Assert.Null(probe.Tenant);
    }

    [Fact]
    public async Task BareHost_Refuse_AnswersTenantRequired()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").ConfigureRequests(o => o.NonTenantRequests = NonTenantRequestHandling.Refuse),
            TestApp.Standard);

        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantRequired, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task PathBase_ServedRequest_IsRebasedAndRoutedToTheApplicationsOwnRoute()
    {
        await using var app = await TestApp.StartAsync(b => b.WithPathBaseStrategy(), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app, "/orders");
            app.MapGet("/link", (HttpContext context, LinkGenerator links) => links.GetPathByName(context, "orders-list"));
            app.MapGet("/orders/list", () => "list").WithName("orders-list");
        });
        var client = app.GetTestClient();

        var probe = await client.GetProbeAsync("example.com", "/t/acme/orders");
        var link = await client.GetStringAsync("http://example.com/t/globex/link");

        Assert.Equal("acme", probe.Tenant);
        Assert.Equal("/t/acme", probe.PathBase);
        Assert.Equal("/orders", probe.Path);
        Assert.Equal("/t/globex/orders/list", link);
    }

    [Fact]
    public async Task PathBase_WithoutPrefix_IsTheHosts()
    {
        await using var app = await TestApp.StartAsync(b => b.WithPathBaseStrategy(), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app, "/orders");
        });

        var probe = await app.GetTestClient().GetProbeAsync("example.com", "/orders");

        Assert.Null(probe.Tenant);
        Assert.Equal("/orders", probe.Path);
    }

    [Fact]
    public async Task PathBase_UnknownTenant_IsNotFound()
    {
        await using var app = await TestApp.StartAsync(b => b.WithPathBaseStrategy(), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app, "/orders");
        });

        using var response = await app.GetTestClient().GetAsync("http://example.com/t/nobody/orders");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantNotFound, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task PathBase_InAPipelineWithExplicitRouting_IsReroutedToo()
    {
        await using var app = await TestApp.StartAsync(b => b.WithPathBaseStrategy(), app =>
        {
            app.UseRouting();
            app.UseTenantKit();
            TestApp.MapProbe(app, "/orders");
        });

        var probe = await app.GetTestClient().GetProbeAsync("example.com", "/t/acme/orders");

        Assert.Equal("acme", probe.Tenant);
        Assert.Equal("/orders", probe.Path);
    }

    [Fact]
    public async Task RouteValueStrategy_ReadsTheTenantFromTheMatchedRoute()
    {
        await using var app = await TestApp.StartAsync(b => b.WithRouteValueStrategy(), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app, "/{tenant}/info");
        });

        var probe = await app.GetTestClient().GetProbeAsync("example.com", "/globex/info");

        Assert.Equal("globex", probe.Tenant);
    }

    [Fact]
    public async Task QueryStrategy_ReadsTheTenantFromTheQueryString()
    {
        await using var app = await TestApp.StartAsync(b => b.WithQueryStrategy(), TestApp.Standard);

        var probe = await app.GetTestClient().GetProbeAsync("example.com", "/whoami?tenant=initech");

        Assert.Equal("initech", probe.Tenant);
    }

    [Fact]
    public async Task HeaderStrategy_RepeatedHeader_IsRefusedAsMalformed()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHeaderStrategy(), TestApp.Standard);
        using var request = TestApp.Get("example.com");
        request.Headers.TryAddWithoutValidation("X-Tenant", ["acme", "globex"]);

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(TenantProblemTypes.InvalidIdentifier, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task RequestStrategy_DelegateAnswers()
    {
        await using var app = await TestApp.StartAsync(b => b.WithRequestStrategy(c => c.Request.Cookies["tenant"]), TestApp.Standard);
        using var request = TestApp.Get("example.com");
        request.Headers.Add("Cookie", "tenant=globex");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal("globex", (await response.Content.ReadFromJsonAsync<Probe>())!.Tenant);
    }

    [Fact]
    public async Task Strategies_RunInDeclaredOrder_FirstAnswerWins()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHeaderStrategy().WithHostStrategy("{tenant}.example.com"), TestApp.Standard);
        var client = app.GetTestClient();
        using var withHeader = TestApp.Get("acme.example.com");
        withHeader.Headers.Add("X-Tenant", "globex");

        using var response = await client.SendAsync(withHeader);
        var fromHost = await client.GetProbeAsync("acme.example.com");

        Assert.Equal("globex", (await response.Content.ReadFromJsonAsync<Probe>())!.Tenant);
        Assert.Equal("acme", fromHost.Tenant);
    }

    [Fact]
    public async Task ClaimStrategy_HeaderNamingAnotherTenant_IsRefusedAsMismatch()
    {
        await using var app = await StartWithClaimAsync();
        using var request = TestApp.Get("example.com");
        request.Headers.Add("X-Tenant", "globex");
        request.Headers.Add("X-Test-User", "alice");
        request.Headers.Add("X-Test-Claims", "tenant=acme");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantMismatch, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task ClaimStrategy_HeaderNamingTheUsersTenant_IsServed()
    {
        await using var app = await StartWithClaimAsync();
        using var request = TestApp.Get("example.com");
        request.Headers.Add("X-Tenant", "ACME");
        request.Headers.Add("X-Test-User", "alice");
        request.Headers.Add("X-Test-Claims", "tenant=acme");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal("acme", (await response.Content.ReadFromJsonAsync<Probe>())!.Tenant);
    }

    [Fact]
    public async Task ClaimStrategy_NoHeader_TheClaimAnswers()
    {
        await using var app = await StartWithClaimAsync();
        using var request = TestApp.Get("example.com");
        request.Headers.Add("X-Test-User", "alice");
        request.Headers.Add("X-Test-Claims", "tenant=globex");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal("globex", (await response.Content.ReadFromJsonAsync<Probe>())!.Tenant);
    }

    [Fact]
    public async Task ClaimStrategy_AnonymousUser_HeaderAnswers()
    {
        await using var app = await StartWithClaimAsync();
        using var request = TestApp.Get("example.com");
        request.Headers.Add("X-Tenant", "globex");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal("globex", (await response.Content.ReadFromJsonAsync<Probe>())!.Tenant);
    }

    [Fact]
    public async Task ClaimStrategy_TwoDifferentTenantClaims_AreRefused()
    {
        await using var app = await StartWithClaimAsync();
        using var request = TestApp.Get("example.com");
        request.Headers.Add("X-Test-User", "mallory");
        request.Headers.Add("X-Test-Claims", "tenant=acme;tenant=globex");

        using var response = await app.GetTestClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ExcludedEndpoint_IsServedOnAnyHostWithoutResolution()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app, "/health").ExcludeFromTenantResolution();
        });

        var probe = await app.GetTestClient().GetProbeAsync("nobody.example.com", "/health");

        Assert.Null(probe.Tenant);
        Assert.Null(probe.TenantCounter);
    }

    [Fact]
    public async Task RequireHostEndpoint_FromATenant_IsRefused_EvenWhenAlsoExcluded()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app, "/host-only").RequireHost().ExcludeFromTenantResolution();
        });
        var client = app.GetTestClient();

        using var fromTenant = await client.SendAsync(TestApp.Get("acme.example.com", "/host-only"));
        var fromHost = await client.GetProbeAsync("example.com", "/host-only");

        Assert.Equal(HttpStatusCode.Forbidden, fromTenant.StatusCode);
        Assert.Equal(TenantProblemTypes.HostRequired, (await fromTenant.ReadProblemAsync()).Type);
        Assert.Null(fromHost.Tenant);
    }

    [Fact]
    public async Task RequireHostEndpoint_ReachedThroughAPathBase_IsRefused()
    {
        await using var app = await TestApp.StartAsync(b => b.WithPathBaseStrategy(), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app, "/host-only").RequireHost();
        });

        using var response = await app.GetTestClient().GetAsync("http://example.com/t/acme/host-only");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task RequireTenantEndpoint_OnTheBareHost_IsRefused()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app).RequireTenant();
        });
        var client = app.GetTestClient();

        using var response = await client.SendAsync(TestApp.Get("example.com"));
        var probe = await client.GetProbeAsync("acme.example.com");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantRequired, (await response.ReadProblemAsync()).Type);
        Assert.Equal("acme", probe.Tenant);
    }

    [Fact]
    public async Task RequestServicesAfterTheMiddleware_AreTheApplicationsAgain()
    {
        string? outside = null;
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.Use(async (context, next) =>
            {
                await next(context);
                outside = context.RequestServices.GetService<TenantCounter>()?.Id ?? "host";
            });
            TestApp.Standard(app);
        });

        var probe = await app.GetTestClient().GetProbeAsync("acme.example.com");

        Assert.NotNull(probe.TenantCounter);
        Assert.Equal("host", outside);
    }

    [Fact]
    public void UseRouting_AfterUseTenantKit_IsRefusedWhenThePipelineIsBuilt()
    {
        var error = Assert.ThrowsAny<Exception>(() => TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            app.UseRouting();
            TestApp.MapProbe(app);
        }).GetAwaiter().GetResult());

        Assert.Contains("UseRouting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseTenantKit_WithoutTheHttpServices_ExplainsWhatToRegister()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTenantKit();
        using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseTenantKit());

        Assert.Contains("WithHostStrategy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidRequestOptions_StopTheApplicationAtStart_WithEveryProblem()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").ConfigureRequests(o =>
            {
                o.Region = "eu west";
                o.NonTenantRequests = (NonTenantRequestHandling)42;
            }),
            TestApp.Standard));

        Assert.Equal(2, error.Failures.Count());
    }

    [Fact]
    public async Task UseTenantKit_Twice_IsRefused()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            Assert.Throws<InvalidOperationException>(() => app.UseTenantKit());
            TestApp.MapProbe(app);
        });

        Assert.Equal("acme", (await app.GetTestClient().GetProbeAsync("acme.example.com")).Tenant);
    }

    private static Task<WebApplication> StartWithClaimAsync()
        => TestApp.StartAsync(
            b => b.WithHeaderStrategy().WithClaimStrategy(authenticationScheme: HeaderAuthenticationHandler.SchemeName),
            TestApp.Standard,
            s => s.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
                .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null));
}
