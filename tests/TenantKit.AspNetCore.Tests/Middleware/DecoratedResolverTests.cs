using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Resolution;

namespace TenantKit.AspNetCore.Tests.Middleware;

/// <summary>
/// The middleware with a decorated <see cref="ITenantResolver{TContext}"/> (the application wraps TenantKit's resolver,
/// as Scrutor's <c>Decorate</c> does for an open generic): a decorator that does not implement
/// <see cref="ITenantResolver{TContext}.TryResolveRecent"/> is asked for every request, so it is never bypassed; one
/// that forwards it keeps the warm path, which never asks for the request's abort token.
/// </summary>
public sealed class DecoratedResolverTests : IAsyncDisposable
{
    private WebApplication? _app;

    [Fact]
    public async Task AResolverDecoratorThatDeclinesTheWarmPath_SeesEveryRequest_AndRequestsStillResolve()
    {
        var decorator = (CountingResolver)null!;
        var pipeline = await BuildAsync(inner => decorator = new CountingResolver(inner));
        var host = NewString("acme.example.com");

        for (var i = 0; i < 5; i++)
        {
            var sent = await SendAsync(pipeline, host);
            Assert.Equal((StatusCodes.Status200OK, "acme"), (sent.Status, sent.Tenant));
        }

        Assert.Equal(5, decorator.Resolves);
    }

    [Fact]
    public async Task AResolverDecoratorThatDeclinesTheWarmPath_ARefusalItMakes_IsNeverBypassed()
    {
        var pipeline = await BuildAsync(inner => new CountingResolver(inner) { Refused = "acme" });
        var host = NewString("acme.example.com");

        for (var i = 0; i < 3; i++)
        {
            var sent = await SendAsync(pipeline, host);
            Assert.Equal((StatusCodes.Status404NotFound, (string?)null), (sent.Status, sent.Tenant));
        }

        Assert.Equal(StatusCodes.Status200OK, (await SendAsync(pipeline, NewString("globex.example.com"))).Status);
    }

    [Fact]
    public async Task AResolverDecoratorThatForwardsTheWarmPath_KeepsIt()
    {
        var decorator = (ForwardingResolver)null!;
        var pipeline = await BuildAsync(inner => decorator = new ForwardingResolver(inner));
        var host = NewString("acme.example.com");
        await SendAsync(pipeline, host);
        await SendAsync(pipeline, host);
        var resolves = decorator.Resolves;

        var warm = await SendAsync(pipeline, host);

        Assert.Equal((StatusCodes.Status200OK, "acme"), (warm.Status, warm.Tenant));
        Assert.Equal(resolves, decorator.Resolves);
        Assert.Equal(1, decorator.Recalled);
        Assert.Equal(0, warm.AbortTokenReads);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task<RequestDelegate> BuildAsync(Func<ITenantResolver<HttpContext>, ITenantResolver<HttpContext>> decorate)
    {
        IServiceCollection? registrations = null;
        _app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com"),
            _ => { },
            services =>
            {
                registrations = services;
                // A closed registration wins over TenantKit's open generic one; the decorated resolver is TenantKit's,
                // made from its public registration (the implementation type of ITenantResolver<>), as Scrutor does.
                services.AddSingleton(sp =>
                {
                    var open = registrations!.Single(d => d.ServiceType == typeof(ITenantResolver<>));
                    var inner = (ITenantResolver<HttpContext>)ActivatorUtilities.CreateInstance(sp, open.ImplementationType!.MakeGenericType(typeof(HttpContext)));
                    return decorate(inner);
                });
            });
        var builder = new ApplicationBuilder(_app.Services);
        builder.UseTenantKit();
        builder.Run(_ => Task.CompletedTask);
        return builder.Build();
    }

    private async Task<Sent> SendAsync(RequestDelegate pipeline, string host)
    {
        var response = new CompletingResponseFeature();
        var lifetime = new CountingLifetimeFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        context.Features.Set<IServiceProvidersFeature>(new RequestServicesFeature(context, _app!.Services.GetRequiredService<IServiceScopeFactory>()));
        context.Request.Headers.Host = host;

        await pipeline(context);
        await response.CompleteAsync();
        return new Sent(context.Response.StatusCode, context.GetTenant()?.Identifier, lifetime.Reads);
    }

    /// <summary>A string equal to <paramref name="value"/> that is no other string's object, as a server reads it.</summary>
    private static string NewString(string value) => new(value.AsSpan());

    private sealed record Sent(int Status, string? Tenant, int AbortTokenReads);

    /// <summary>A decorator that implements only <see cref="ITenantResolver{TContext}.ResolveAsync"/>: the warm path is declined.</summary>
    private class CountingResolver(ITenantResolver<HttpContext> inner) : ITenantResolver<HttpContext>
    {
        private int _resolves;

        public int Resolves => Volatile.Read(ref _resolves);

        /// <summary>A tenant this decorator refuses ("not found"), whatever the catalog holds.</summary>
        public string? Refused { get; init; }

        protected ITenantResolver<HttpContext> Inner { get; } = inner;

        public async ValueTask<TenantResolution> ResolveAsync(HttpContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _resolves);
            var resolution = await Inner.ResolveAsync(context, cancellationToken);
            return Refused is not null && resolution.Tenant?.Identifier == Refused
                ? TenantResolution.Failed(TenantResolutionStatus.NotFound, resolution.StrategyIndex)
                : resolution;
        }
    }

    /// <summary>A decorator that forwards the warm path to TenantKit's resolver.</summary>
    private sealed class ForwardingResolver(ITenantResolver<HttpContext> inner) : CountingResolver(inner), ITenantResolver<HttpContext>
    {
        private int _recalled;

        public int Recalled => Volatile.Read(ref _recalled);

        public bool TryResolveRecent(HttpContext context, out TenantResolution resolution)
        {
            if (!Inner.TryResolveRecent(context, out resolution))
            {
                return false;
            }

            Interlocked.Increment(ref _recalled);
            return true;
        }
    }
}
