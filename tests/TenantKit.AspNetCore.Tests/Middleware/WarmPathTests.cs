using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.AspNetCore.Tests.Middleware;

/// <summary>
/// The middleware's warm path, driven the way servers drive a pipeline (a fresh context per request, the response
/// completed after): a host string seen before is recalled without parsing or lookup, the request's abort token is
/// never asked for, and the ambient tenant ends when the middleware returns, whether the rest of the pipeline
/// completed at once or later, threw, or ran with the execution context's flow suppressed.
/// </summary>
public sealed class WarmPathTests : IAsyncLifetime
{
    private WebApplication _app = null!;

    private ITenantContextAccessor Accessor => _app.Services.GetRequiredService<ITenantContextAccessor>();

    public async Task InitializeAsync()
        => _app = await TestApp.StartAsync(b => b.WithHeaderStrategy("X-Tenant").WithHostStrategy("{tenant}.example.com"), TestApp.Standard);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task WarmRequests_NeverAskForTheAbortToken()
    {
        var host = NewString("acme.example.com");
        await SendAsync(Build(Probe), host);
        await SendAsync(Build(Probe), host);

        var lifetime = await SendAsync(Build(Probe), host);
        var cold = await SendAsync(Build(Probe), NewString("globex.example.com"));

        Assert.Equal(0, lifetime.AbortTokenReads);
        Assert.True(cold.AbortTokenReads > 0, "a tenant seen for the first time is looked up with the request's abort token");
    }

    [Fact]
    public async Task RecalledHost_AfterTheTenantIsSuspended_IsRefused()
    {
        var host = NewString("acme.example.com");
        var pipeline = Build(Probe);
        await SendAsync(pipeline, host);
        Assert.Equal(StatusCodes.Status200OK, (await SendAsync(pipeline, host)).Status);

        using (Accessor.BeginHostScope())
        {
            await _app.Services.GetRequiredService<ITenantAdministration>().SuspendAsync("t-acme");
        }

        Assert.Equal(StatusCodes.Status403Forbidden, (await SendAsync(pipeline, host)).Status);
    }

    [Fact]
    public async Task OneStringObject_ReadByTwoStrategies_IsNeverRecalledAcrossThem()
    {
        // The same string object is first the Host (the host strategy reads "globex" from it), then the X-Tenant
        // header (the header strategy, declared first, reads all of it: not a valid identifier). The second request
        // must not recall the first one's tenant.
        var shared = NewString("globex.example.com");
        var pipeline = Build(Probe);
        await SendAsync(pipeline, shared);
        Assert.Equal("globex", (await SendAsync(pipeline, shared)).Tenant);

        var asHeader = await SendAsync(pipeline, NewString("acme.example.com"), tenantHeader: shared);

        Assert.Equal(StatusCodes.Status400BadRequest, asHeader.Status);
        Assert.Null(asHeader.Tenant);
    }

    [Fact]
    public async Task AmbientTenant_EndsWhenTheMiddlewareReturns_WhenTheRestCompletedAtOnce()
    {
        var host = NewString("acme.example.com");
        var pipeline = Build(Probe);
        await SendAsync(pipeline, host);
        var context = NewContext(host, out var response, out _);

        var running = pipeline(context);
        var ambientForTheCaller = Accessor.Current;
        await running;
        await response.CompleteAsync();

        Assert.True(running.IsCompletedSuccessfully);
        Assert.Equal("acme", context.Items["ambient"]);
        Assert.Null(ambientForTheCaller);
        Assert.Equal(0, _app.Runtime().Counts.LeasesOut);
    }

    [Fact]
    public async Task AmbientTenant_EndsForTheCaller_WhenTheRestCompletesLater()
    {
        var host = NewString("acme.example.com");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? afterYield = null;
        var pipeline = Build(async context =>
        {
            await release.Task;
            afterYield = Accessor.Current?.Tenant?.Identifier;
            context.RequestServices.GetRequiredService<HostClock>();
        });
        var context = NewContext(host, out var response, out _);

        var running = pipeline(context);
        var ambientForTheCaller = Accessor.Current;
        release.SetResult();
        await running;
        await response.CompleteAsync();

        Assert.False(running.IsFaulted);
        Assert.Null(ambientForTheCaller);
        Assert.Equal("acme", afterYield);
        Assert.Equal(0, _app.Runtime().Counts.LeasesOut);
    }

    [Fact]
    public async Task SynchronousThrow_FaultsTheRequestAndReleasesEverything()
    {
        var host = NewString("acme.example.com");
        await SendAsync(Build(Probe), host);
        var pipeline = Build(context =>
        {
            context.RequestServices.GetRequiredService<HostClock>();
            throw new InvalidOperationException("boom");
        });
        var context = NewContext(host, out var response, out _);

        var running = pipeline(context);

        Assert.Null(Accessor.Current);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => running);
        Assert.Equal("boom", error.Message);
        await response.CompleteAsync();
        Assert.Equal(0, _app.Runtime().Counts.LeasesOut);
    }

    [Fact]
    public async Task SuppressedFlow_ServesInsideTheTenantAndRestoresTheCaller()
    {
        var host = NewString("acme.example.com");
        await SendAsync(Build(Probe), host);
        string? inside = null;
        var pipeline = Build(context =>
        {
            inside = Accessor.Current?.Tenant?.Identifier;
            return Task.CompletedTask;
        });
        var context = NewContext(host, out var response, out _);

        Task running;
        using (ExecutionContext.SuppressFlow())
        {
            running = pipeline(context);
            Assert.Null(Accessor.Current);
        }

        await running;
        await response.CompleteAsync();
        Assert.Equal("acme", inside);
        Assert.Equal(0, _app.Runtime().Counts.LeasesOut);
    }

    private static Task Probe(HttpContext context)
    {
        var ambient = context.RequestServices.GetRequiredService<ITenantContextAccessor>().Current;
        context.Items["ambient"] = ambient?.Tenant?.Identifier;
        return Task.CompletedTask;
    }

    private RequestDelegate Build(RequestDelegate endpoint)
    {
        var builder = new ApplicationBuilder(_app.Services);
        builder.UseTenantKit();
        builder.Run(endpoint);
        return builder.Build();
    }

    private async Task<Sent> SendAsync(RequestDelegate pipeline, string host, string? tenantHeader = null)
    {
        var context = NewContext(host, out var response, out var lifetime);
        if (tenantHeader is not null)
        {
            context.Request.Headers["X-Tenant"] = tenantHeader;
        }

        await pipeline(context);
        await response.CompleteAsync();
        return new Sent(context.Response.StatusCode, context.GetTenant()?.Identifier, context.Items["ambient"] as string, lifetime.Reads);
    }

    private DefaultHttpContext NewContext(string host, out CompletingResponseFeature response, out CountingLifetimeFeature lifetime)
    {
        response = new CompletingResponseFeature();
        lifetime = new CountingLifetimeFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        context.Features.Set<IServiceProvidersFeature>(new RequestServicesFeature(context, _app.Services.GetRequiredService<IServiceScopeFactory>()));
        context.Request.Headers.Host = host;
        return context;
    }

    /// <summary>A string equal to <paramref name="value"/> that is no other string's object, as a server reads it.</summary>
    private static string NewString(string value) => new(value.AsSpan());

    private sealed record Sent(int Status, string? Tenant, string? AmbientInside, int AbortTokenReads);
}
