using Microsoft.Extensions.DependencyInjection;
using TenantKit.Features;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Features;

/// <summary>Issue #17, point 2: the host enables and disables features and sets plans, with optimistic concurrency.</summary>
public sealed class FeatureAdministrationTests : IDisposable
{
    private readonly ServiceProvider _services = TestServices.Build(b => b
        .WithInMemoryStore(
            new TenantDraft("acme") { Id = "acme", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "free", ["Color"] = "red" } },
            new TenantDraft("globex") { Id = "globex", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "pro" } })
        .AddFeature("audit", f => f.AlwaysOn())
        .AddFeature("exports")
        .AddFeature("reports", f => f.DependsOn("exports"))
        .AddPlan("free")
        .AddPlan("pro", "reports", "exports"));

    private ITenantFeatureAdministration Features => _services.GetRequiredService<ITenantFeatureAdministration>();

    private TenantFeatureRegistry Registry => _services.GetRequiredService<TenantFeatureRegistry>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task EnableFeature_AddsItToTheTenantsProperties_KeepingTheOthers()
    {
        using var host = HostScope();
        await Features.EnableFeatureAsync("acme", "exports");

        var acme = await Admin.GetAsync("acme");

        Assert.Equal("exports", acme!.GetProperty(TenantFeatureProperties.Features));
        Assert.Equal(("red", 2L), (acme.GetProperty("Color"), acme.Version));
        Assert.True(Registry.GetFeatures(acme).IsEnabled("exports"));
    }

    [Fact]
    public async Task EnableFeature_WhoseDependencyIsOff_IsRefused_UnlessDependenciesAreEnabledExplicitly()
    {
        using var host = HostScope();

        var error = await Assert.ThrowsAsync<TenantValidationException>(() => Features.EnableFeatureAsync("acme", "reports").AsTask());
        Assert.Contains("'reports' needs 'exports'", error.Errors["features"][0], StringComparison.Ordinal);
        Assert.Equal(1, (await Admin.GetAsync("acme"))!.Version);

        var acme = await Features.EnableFeatureAsync("acme", "reports", enableDependencies: true);
        Assert.Equal("exports,reports", acme.GetProperty(TenantFeatureProperties.Features));
        Assert.Equal(["audit", "exports", "reports"], Registry.GetFeatures(acme).Enabled);
    }

    [Fact]
    public async Task DisableFeature_GivenByThePlan_RemovesItExplicitly_AndEnablingItAgainTakesTheRemovalBack()
    {
        using var host = HostScope();

        var disabled = await Features.DisableFeatureAsync("globex", "reports");
        Assert.Equal("-reports", disabled.GetProperty(TenantFeatureProperties.Features));
        Assert.False(Registry.GetFeatures(disabled).IsEnabled("reports"));

        var enabled = await Features.EnableFeatureAsync("globex", "reports");
        Assert.Null(enabled.GetProperty(TenantFeatureProperties.Features));
        Assert.True(Registry.GetFeatures(enabled).IsEnabled("reports"));
    }

    [Fact]
    public async Task DisableFeature_ThatAnEnabledFeatureNeeds_OrThatIsAlwaysOn_IsRefused()
    {
        using var host = HostScope();

        var needed = await Assert.ThrowsAsync<TenantValidationException>(() => Features.DisableFeatureAsync("globex", "exports").AsTask());
        var always = await Assert.ThrowsAsync<TenantValidationException>(() => Features.DisableFeatureAsync("globex", "audit").AsTask());

        Assert.Contains("'exports' is needed by 'reports'", needed.Errors["features"][0], StringComparison.Ordinal);
        Assert.Contains("always on", always.Errors["features"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownFeatureOrPlan_IsRefused()
    {
        using var host = HostScope();

        await Assert.ThrowsAsync<TenantValidationException>(() => Features.EnableFeatureAsync("acme", "billing").AsTask());
        await Assert.ThrowsAsync<TenantValidationException>(() => Features.SetPlanAsync("acme", "gold").AsTask());
    }

    [Fact]
    public async Task SetPlan_ChangesThePlan_AndNullTakesItAway()
    {
        using var host = HostScope();

        var pro = await Features.SetPlanAsync("acme", "Pro");
        Assert.Equal("pro", pro.GetProperty(TenantFeatureProperties.Plan));
        Assert.True(Registry.GetFeatures(pro).IsEnabled("reports"));

        var none = await Features.SetPlanAsync("acme", null);
        Assert.Null(none.GetProperty(TenantFeatureProperties.Plan));
    }

    [Fact]
    public async Task Changes_WithAStaleExpectedVersion_AreRefused()
    {
        using var host = HostScope();
        await Features.EnableFeatureAsync("acme", "exports");

        var error = await Assert.ThrowsAsync<TenantConcurrencyException>(() => Features.DisableFeatureAsync("acme", "exports", expectedVersion: 1).AsTask());

        Assert.Equal(2, error.ActualVersion);
    }

    [Fact]
    public async Task EnablingAFeatureTheTenantHas_ChangesNothing()
    {
        using var host = HostScope();

        var globex = await Features.EnableFeatureAsync("globex", "reports");

        Assert.Equal(1, globex.Version);
    }

    [Fact]
    public async Task FeatureAdministration_OutsideAHostScope_IsRefused()
        => await Assert.ThrowsAsync<HostScopeRequiredException>(() => Features.EnableFeatureAsync("acme", "exports").AsTask());

    [Fact]
    public async Task PlainUpdates_AndCreations_WithInvalidFeatureProperties_AreRefusedToo()
    {
        using var host = HostScope();

        var update = await Assert.ThrowsAsync<TenantValidationException>(() => Admin.UpdateAsync(
            "acme", new TenantUpdate { Properties = new Dictionary<string, string> { [TenantFeatureProperties.Features] = "reprots" } }, 1).AsTask());
        var create = await Assert.ThrowsAsync<TenantValidationException>(() => Admin.CreateAsync(
            new TenantDraft("initech") { Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "gold" } }).AsTask());

        Assert.Contains("reprots", update.Message, StringComparison.Ordinal);
        Assert.Contains("gold", create.Message, StringComparison.Ordinal);
    }

    private ITenantAdministration Admin => _services.GetRequiredService<ITenantAdministration>();

    private TenantScope HostScope() => _services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();
}
