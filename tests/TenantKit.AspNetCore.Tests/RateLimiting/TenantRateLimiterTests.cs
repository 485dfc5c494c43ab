using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.AspNetCore.Tests.RateLimiting;

public class TenantRateLimiterTests
{
    [Fact]
    public async Task FloodedTenant_GetsTooManyRequests_WhileAnotherTenantIsServed()
    {
        await using var app = await StartAsync(o => o.DefaultLimit = new TenantRateLimit(5, TimeSpan.FromHours(1)));
        var client = app.GetTestClient();

        var flood = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => StatusAsync(client, "initech.example.com")));
        var other = await StatusAsync(client, "overseas.example.com");

        Assert.Equal(3, flood.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(37, flood.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, other);
    }

    [Fact]
    public async Task EachTenant_GetsTheLimitOfItsPlan()
    {
        await using var app = await StartAsync(o =>
        {
            o.Plans["free"] = new TenantRateLimit(2, TimeSpan.FromHours(1));
            o.Plans["pro"] = new TenantRateLimit(6, TimeSpan.FromHours(1));
            o.DefaultLimit = new TenantRateLimit(1, TimeSpan.FromHours(1));
        });
        var client = app.GetTestClient();

        Assert.Equal(2, await CountServedAsync(client, "acme.example.com", 10));
        Assert.Equal(6, await CountServedAsync(client, "globex.example.com", 10));
        Assert.Equal(3, await CountServedAsync(client, "initech.example.com", 10));
        Assert.Equal(1, await CountServedAsync(client, "overseas.example.com", 10));
    }

    [Fact]
    public async Task ChangedPlan_TakesEffectOnTheNextRequest()
    {
        await using var app = await StartAsync(o =>
        {
            o.Plans["free"] = new TenantRateLimit(1, TimeSpan.FromHours(1));
            o.Plans["pro"] = new TenantRateLimit(4, TimeSpan.FromHours(1));
        });
        var client = app.GetTestClient();
        Assert.Equal(1, await CountServedAsync(client, "acme.example.com", 3));

        using (app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            var administration = app.Services.GetRequiredService<ITenantAdministration>();
            var acme = (await administration.GetAsync("t-acme"))!;
            await administration.UpdateAsync(acme.Id, new TenantUpdate { Properties = new Dictionary<string, string> { ["Plan"] = "pro" } }, acme.Version);
        }

        Assert.Equal(4, await CountServedAsync(client, "acme.example.com", 6));
    }

    [Fact]
    public async Task HostRequests_ShareTheHostLimit()
    {
        await using var app = await StartAsync(o => o.HostLimit = new TenantRateLimit(2, TimeSpan.FromHours(1)));
        var client = app.GetTestClient();

        Assert.Equal(2, await CountServedAsync(client, "example.com", 5));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "acme.example.com"));
    }

    [Fact]
    public async Task NamedPolicy_LimitsOnlyTheEndpointsThatRequireIt()
    {
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com"),
            app =>
            {
                app.UseTenantKit();
                app.UseRateLimiter();
                TestApp.MapProbe(app);
                TestApp.MapProbe(app, "/limited").RequireRateLimiting("per-tenant");
            },
            s => s.AddRateLimiter(o => o.AddTenantLimiter(l => l.DefaultLimit = new TenantRateLimit(1, TimeSpan.FromHours(1)), "per-tenant")));
        var client = app.GetTestClient();

        Assert.Equal(1, await CountServedAsync(client, "overseas.example.com", 3, "/limited"));
        Assert.Equal(3, await CountServedAsync(client, "overseas.example.com", 3));
    }

    [Fact]
    public async Task RegisteredLimiterFactory_MakesEveryPartitionsLimiter_WithTheTenantsIdAndBudget()
    {
        var factory = new RecordingFactory();
        await using var app = await StartAsync(
            o =>
            {
                o.Plans["free"] = new TenantRateLimit(2, TimeSpan.FromHours(1));
                o.HostLimit = new TenantRateLimit(7, TimeSpan.FromMinutes(5));
            },
            s => s.AddSingleton<TenantKit.RateLimiting.ITenantRateLimiterFactory>(factory));
        var client = app.GetTestClient();

        Assert.Equal(2, await CountServedAsync(client, "acme.example.com", 4));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "example.com"));

        Assert.Equal(["t-acme 2/01:00:00", "(host) 7/00:05:00"], factory.Made);
    }

    private sealed class RecordingFactory : TenantKit.RateLimiting.ITenantRateLimiterFactory
    {
        public List<string> Made { get; } = [];

        public System.Threading.RateLimiting.RateLimiter CreateFixedWindow(string partition, int permitLimit, TimeSpan window, int queueLimit)
        {
            lock (Made)
            {
                Made.Add($"{partition} {permitLimit}/{window}");
            }

            return new System.Threading.RateLimiting.FixedWindowRateLimiter(new() { PermitLimit = permitLimit, Window = window, QueueLimit = queueLimit });
        }
    }

    private static Task<WebApplication> StartAsync(Action<TenantRateLimitOptions> limits, Action<IServiceCollection>? services = null)
        => TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com"),
            app =>
            {
                app.UseTenantKit();
                app.UseRateLimiter();
                TestApp.MapProbe(app);
            },
            s =>
            {
                services?.Invoke(s);
                s.AddRateLimiter(o => o.AddTenantLimiter(limits));
            });

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string host, string path = "/whoami")
    {
        using var response = await client.SendAsync(TestApp.Get(host, path));
        return response.StatusCode;
    }

    private static async Task<int> CountServedAsync(HttpClient client, string host, int requests, string path = "/whoami")
    {
        var served = 0;
        for (var i = 0; i < requests; i++)
        {
            var status = await StatusAsync(client, host, path);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"Unexpected {status}.");
            served += status == HttpStatusCode.OK ? 1 : 0;
        }

        return served;
    }
}
