using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TenantKit.Features;

namespace TenantKit.Tests.Features;

/// <summary>The core README's Features examples, as written there (with their <c>using</c> lines at the top of this file).</summary>
public class ReadmeExampleTests
{
    [Fact]
    public async Task TheReadmesDeclarationAndAdministration_CompileAndBehaveAsDescribed()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTenantKit(tenants => tenants.WithInMemoryStore(new TenantDraft("acme") { Id = "acme" }));

        // From the README:
        services.AddTenantKit(tenants => tenants
            .AddFeature("exports", f => f
                .Describe("CSV exports")
                .ConfigureServices(s => s.AddScoped<Exporter>()))
            .AddFeature("reports", f => f
                .Describe("Monthly reports")
                .DependsOn("exports")                                          // reports brings exports with it
                .ConfigureServices(s => s.AddSingleton<ReportCache>().AddHostedService<ReportScheduler>())
                .ConfigureOptions<ReportOptions>((tenant, o) => o.Title = $"Reports of {tenant.Name}")
                .OnActivated((tenant, sp, ct) => ValueTask.CompletedTask))    // after the build, before the first request
            .AddFeature("audit", f => f.AlwaysOn())                            // every tenant, cannot be removed
            .AddFeature("search", f => f.EnabledByDefault())                   // every tenant unless it removes it
            .AddPlan("free")
            .AddPlan("pro", "reports"));

        await using var provider = services.BuildServiceProvider();
        var accessor = provider.GetRequiredService<ITenantContextAccessor>();
        var features = provider.GetRequiredService<ITenantFeatureAdministration>();
        var tenantId = "acme";

        // From the README:
        using (accessor.BeginHostScope())
        {
            await Assert.ThrowsAsync<TenantValidationException>(() => features.EnableFeatureAsync(tenantId, "reports").AsTask());   // refused: needs exports
            await features.EnableFeatureAsync(tenantId, "reports", enableDependencies: true);  // enables exports too
            await features.DisableFeatureAsync(tenantId, "search");                            // writes -search
            await features.SetPlanAsync(tenantId, "pro");
        }

        var runtime = provider.GetRequiredService<ITenantRuntime>();
        await using var lease = await runtime.AcquireAsync(provider.GetRequiredService<ITenantCatalog>(), "acme");
        Assert.Equal(["exports", "reports", "audit"], lease.Services.GetRequiredService<ITenantFeatures>().Enabled);
        Assert.Equal("Reports of acme", lease.Services.GetRequiredService<IOptions<ReportOptions>>().Value.Title);
        Assert.True(lease.Services.GetServices<IHostedService>().OfType<ReportScheduler>().Single().Started);
        await using var scope = lease.CreateAsyncScope();
        Assert.NotNull(scope.ServiceProvider.GetService<Exporter>());
    }

    private sealed class Exporter;

    private sealed class ReportCache;

    private sealed class ReportOptions
    {
        public string? Title { get; set; }
    }

    private sealed class ReportScheduler : IHostedService
    {
        public bool Started { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
