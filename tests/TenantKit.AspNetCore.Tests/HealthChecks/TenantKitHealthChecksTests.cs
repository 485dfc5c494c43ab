using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace TenantKit.AspNetCore.Tests.HealthChecks;

public class TenantKitHealthChecksTests
{
    [Fact]
    public async Task HealthEndpoint_ExcludedFromResolution_AnswersHealthyOnAnyHost()
    {
        await using var app = await StartAsync(b => { });
        var client = app.GetTestClient();

        using var onUnknownTenant = await client.SendAsync(TestApp.Get("nobody.example.com", "/health"));
        using var onBareHost = await client.SendAsync(TestApp.Get("example.com", "/health"));

        Assert.Equal(HttpStatusCode.OK, onUnknownTenant.StatusCode);
        Assert.Equal("Healthy", await onUnknownTenant.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, onBareHost.StatusCode);
    }

    [Fact]
    public async Task StoreDown_CatalogCheckIsUnhealthy()
    {
        await using var app = await StartAsync(b => b.WithStore(_ => new UnreachableStore()));

        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        using var response = await app.GetTestClient().SendAsync(TestApp.Get("example.com", "/health"));

        Assert.Equal(HealthStatus.Unhealthy, report.Entries["tenantkit-catalog"].Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries["tenantkit-runtime"].Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task TenantFailingToBuild_RuntimeCheckIsDegraded_WithCounts()
    {
        await using var app = await StartAsync(
            b => b.OnTenantActivated((tenant, _, _) => tenant.Identifier == "initech" ? throw new InvalidOperationException("boom") : ValueTask.CompletedTask),
            s => s.AddSingleton<TimeProvider>(new FakeTimeProvider()));
        var client = app.GetTestClient();
        await client.GetProbeAsync("acme.example.com");
        using (await client.SendAsync(TestApp.Get("initech.example.com")))
        {
        }

        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var runtime = report.Entries["tenantkit-runtime"];
        Assert.Equal(HealthStatus.Degraded, runtime.Status);
        Assert.Equal(1, runtime.Data["failing"]);
        Assert.Equal(1, runtime.Data["resident"]);
        Assert.Equal(HealthStatus.Healthy, report.Entries["tenantkit-catalog"].Status);
        Assert.Equal(6, report.Entries["tenantkit-catalog"].Data["tenants"]);
    }

    private static Task<WebApplication> StartAsync(Action<TenantKitBuilder> tenancy, Action<IServiceCollection>? services = null)
        => TestApp.StartAsync(
            b => tenancy(b.WithHostStrategy("{tenant}.example.com")),
            app =>
            {
                app.UseTenantKit();
                TestApp.MapProbe(app);
                app.MapHealthChecks("/health").ExcludeFromTenantResolution();
            },
            s =>
            {
                services?.Invoke(s);
                s.AddHealthChecks().AddTenantKitHealthChecks();
            });
}
