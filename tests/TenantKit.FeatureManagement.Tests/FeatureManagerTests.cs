using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.AspNetCore;
using Microsoft.FeatureManagement.Mvc;
using TenantKit.Features;

namespace TenantKit.FeatureManagement.Tests;

/// <summary>
/// Issue #17, point 4: Microsoft.FeatureManagement's <see cref="IFeatureManager"/>, resolved in a tenant's container,
/// answers that tenant's features, so <c>[FeatureGate]</c> and <c>WithFeatureGate</c> work per tenant unchanged.
/// </summary>
public sealed class FeatureManagerTests : IAsyncLifetime
{
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddControllers().AddApplicationPart(typeof(FeatureManagerTests).Assembly);
        builder.Services.AddTenantKit(tenants => tenants
            .WithInMemoryStore(
                new TenantDraft("acme") { Id = "t-acme", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "free" } },
                new TenantDraft("globex") { Id = "t-globex", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "pro" } })
            .WithHostStrategy("{tenant}.example.com")
            .AddFeature("exports")
            .AddFeature("reports", f => f.DependsOn("exports"))
            .AddPlan("free")
            .AddPlan("pro", "reports")
            .AddTenantFeatureManagement());
        _app = builder.Build();
        _app.UseTenantKit();
        _app.MapGet("/gated", () => "gated").WithFeatureGate("reports");
        _app.MapControllers();
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task IFeatureManager_InATenantsContainer_AnswersThatTenantsFeatures()
    {
        var runtime = _app.Services.GetRequiredService<ITenantRuntime>();
        var catalog = _app.Services.GetRequiredService<ITenantCatalog>();

        await using var globex = await runtime.AcquireAsync(catalog, "globex");
        await using var acme = await runtime.AcquireAsync(catalog, "acme");
        var pro = globex.Services.GetRequiredService<IFeatureManager>();
        var free = acme.Services.GetRequiredService<IFeatureManager>();

        Assert.True(await pro.IsEnabledAsync("reports"));
        Assert.True(await pro.IsEnabledAsync("exports"));
        Assert.False(await free.IsEnabledAsync("reports"));
        Assert.False(await free.IsEnabledAsync("unknown-feature"));
        Assert.NotSame(pro, free);
        var names = new List<string>();
        await foreach (var name in free.GetFeatureNamesAsync())
        {
            names.Add(name);
        }

        Assert.Equal(["exports", "reports"], names);
    }

    [Fact]
    public async Task FeatureManagerSnapshot_OfARequest_AnswersTheRequestsTenant()
    {
        await using var scope = (await _app.Services.GetRequiredService<ITenantRuntime>().AcquireAsync(_app.Services.GetRequiredService<ITenantCatalog>(), "globex"))
            .CreateAsyncScope();

        Assert.True(await scope.ServiceProvider.GetRequiredService<IFeatureManagerSnapshot>().IsEnabledAsync("reports"));
    }

    [Fact]
    public async Task WithFeatureGate_OnAMinimalApi_FollowsTheRequestsTenant()
    {
        var client = _app.GetTestClient();

        using var globex = await client.GetAsync("http://globex.example.com/gated");
        using var acme = await client.GetAsync("http://acme.example.com/gated");

        Assert.Equal(HttpStatusCode.OK, globex.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, acme.StatusCode);
    }

    [Fact]
    public async Task FeatureGateAttribute_OnAController_FollowsTheRequestsTenant()
    {
        var client = _app.GetTestClient();

        using var globex = await client.GetAsync("http://globex.example.com/gated-controller");
        using var acme = await client.GetAsync("http://acme.example.com/gated-controller");

        Assert.Equal(HttpStatusCode.OK, globex.StatusCode);
        Assert.Equal("gated controller", await globex.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, acme.StatusCode);
    }

    [Fact]
    public async Task EnablingAFeature_ReachesTheTenantsFeatureManager_WithoutARestart()
    {
        var client = _app.GetTestClient();
        using (var before = await client.GetAsync("http://acme.example.com/gated"))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }

        using (_app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            await _app.Services.GetRequiredService<ITenantFeatureAdministration>().SetPlanAsync("t-acme", "pro");
        }

        using var after = await client.GetAsync("http://acme.example.com/gated");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public void TheApplicationsOwnFeatureManager_IsNotATenants()
    {
        var host = _app.Services.GetRequiredService<IFeatureDefinitionProvider>();

        Assert.IsNotType<TenantFeatureDefinitionProvider>(host);
    }
}

/// <summary>A controller gated by Microsoft.FeatureManagement's attribute.</summary>
[ApiController]
[Route("gated-controller")]
[FeatureGate("reports")]
public sealed class GatedController : ControllerBase
{
    /// <summary>Answers when the request's tenant has the feature.</summary>
    [HttpGet]
    public string Get() => "gated controller";
}
