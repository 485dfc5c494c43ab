using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TenantKit.Features;
using TenantKit.Tests.Runtime;

namespace TenantKit.Tests.Features;

/// <summary>
/// Issue #17, points 1 and 4: what a feature contributes (services, options, hosted services, hooks) reaches the
/// containers of the tenants that have it, and only theirs.
/// </summary>
public class FeatureContainerTests
{
    [Fact]
    public async Task FeatureServices_ResolveInTenantsThatHaveTheFeature_AndNotInOthers()
    {
        await using var h = Create();

        await using var globex = await h.AcquireAsync("globex");
        await using var acme = await h.AcquireAsync("acme");

        Assert.NotNull(globex.Services.GetService<ReportService>());
        Assert.NotNull(globex.Services.GetService<ExportService>());
        Assert.Null(acme.Services.GetService<ReportService>());
        Assert.Null(acme.Services.GetService<ExportService>());
        Assert.False(acme.Services.GetRequiredService<IServiceProviderIsService>().IsService(typeof(ReportService)));
    }

    [Fact]
    public async Task ITenantFeatures_InATenantsContainer_AnswersThatTenantsFeatures()
    {
        await using var h = Create();

        await using var globex = await h.AcquireAsync("globex");
        await using var acme = await h.AcquireAsync("acme");

        var pro = globex.Services.GetRequiredService<ITenantFeatures>();
        var free = acme.Services.GetRequiredService<ITenantFeatures>();
        Assert.Equal("pro", pro.Plan);
        Assert.Equal(["exports", "reports"], pro.Enabled);
        Assert.Equal("free", free.Plan);
        Assert.Empty(free.Enabled);
        Assert.True(pro.IsEnabled("reports"));
        Assert.False(free.IsEnabled("reports"));
    }

    [Fact]
    public async Task FeatureOptions_AreConfiguredPerTenant_OnlyWhereTheFeatureIsOn()
    {
        await using var h = Create();

        await using var globex = await h.AcquireAsync("globex");
        await using var acme = await h.AcquireAsync("acme");

        Assert.Equal("reports for globex", globex.Services.GetRequiredService<IOptions<ReportOptions>>().Value.Title);
        Assert.Null(acme.Services.GetRequiredService<IOptions<ReportOptions>>().Value.Title);
    }

    [Fact]
    public async Task FeatureHostedServices_RunPerTenant_AndActivationHooksRunDependenciesFirst()
    {
        var started = new List<string>();
        await using var h = Create(started);

        await using (await h.AcquireAsync("globex"))
        {
        }

        await using (await h.AcquireAsync("acme"))
        {
        }

        Assert.Equal(["exports:globex", "reports:globex", "hosted:globex"], started);
    }

    [Fact]
    public async Task UnloadingHooks_OfATenantsFeatures_RunWhenItsGenerationDrains()
    {
        var started = new List<string>();
        await using var h = Create(started);
        var globex = await h.TenantAsync("globex");
        await using (await h.AcquireAsync("globex"))
        {
        }

        using (h.HostScope())
        {
            h.Runtime.Unload(globex.Id);
        }

        await h.Runtime.WaitForUnloadAsync(globex.Id);
        Assert.Contains("unloading:globex", started);
        Assert.Contains("hosted-stopped:globex", started);
    }

    [Fact]
    public async Task TenantWithAnUnknownFeatureInItsProperties_FailsToBuild_WithAClearError()
    {
        var tenants = new[]
        {
            new TenantDraft("acme") { Id = "acme", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Features] = "reprots" } },
        };
        await using var h = RuntimeHarness.Create(tenants, b => b.AddFeature("reports"));

        var error = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("acme"));

        var validation = Assert.IsType<TenantValidationException>(error.InnerException);
        Assert.Contains("'reprots' is not a declared feature", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplicationWithoutFeatures_RegistersNoTenantFeatures()
    {
        await using var h = RuntimeHarness.Create("acme");

        await using var acme = await h.AcquireAsync("acme");

        Assert.Null(acme.Services.GetService<ITenantFeatures>());
    }

    internal static RuntimeHarness Create(List<string>? log = null)
    {
        log ??= [];
        var tenants = new[]
        {
            new TenantDraft("acme") { Id = "acme", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "free" } },
            new TenantDraft("globex") { Id = "globex", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "pro" } },
        };
        return RuntimeHarness.Create(tenants, b => b
            .AddFeature("reports", f => f
                .Describe("Monthly reports")
                .DependsOn("exports")
                .ConfigureServices(s => s.AddSingleton<ReportService>().AddHostedService(sp => new RecordingHostedService(sp.GetRequiredService<TenantInfo>(), log)))
                .ConfigureOptions<ReportOptions>((tenant, o) => o.Title = $"reports for {tenant.Identifier}")
                .OnActivated((tenant, _, _) => Record(log, "reports:" + tenant.Identifier))
                .OnUnloading((tenant, _, _) => Record(log, "unloading:" + tenant.Identifier)))
            .AddFeature("exports", f => f
                .ConfigureServices(s => s.AddSingleton<ExportService>())
                .OnActivated((tenant, _, _) => Record(log, "exports:" + tenant.Identifier)))
            .AddPlan("free")
            .AddPlan("pro", "reports"));
    }

    private static ValueTask Record(List<string> log, string entry)
    {
        lock (log)
        {
            log.Add(entry);
        }

        return ValueTask.CompletedTask;
    }

    internal sealed class ReportService;

    internal sealed class ExportService;

    internal sealed class ReportOptions
    {
        public string? Title { get; set; }
    }

    private sealed class RecordingHostedService(TenantInfo tenant, List<string> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Record(log, "hosted:" + tenant.Identifier).AsTask();

        public Task StopAsync(CancellationToken cancellationToken) => Record(log, "hosted-stopped:" + tenant.Identifier).AsTask();
    }
}
