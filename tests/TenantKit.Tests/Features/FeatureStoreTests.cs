using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Features;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Features;

/// <summary>Issue #17, point 2: the configuration store reads a tenant's plan and features as nested keys.</summary>
public class FeatureStoreTests
{
    [Fact]
    public async Task ConfigurationStore_ReadsThePlanAndFeaturesOfATenant()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TenantKit:Tenants:acme:Name"] = "Acme",
            ["TenantKit:Tenants:acme:Properties:TenantKit:Plan"] = "pro",
            ["TenantKit:Tenants:acme:Properties:TenantKit:Features"] = "-reports,audit",
        }).Build();
        await using var services = TestServices.Build(
            b => b.WithConfigurationStore()
                .AddFeature("reports")
                .AddFeature("audit")
                .AddPlan("pro", "reports"),
            services: s => s.AddSingleton<IConfiguration>(configuration));

        var acme = await services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme");

        Assert.Equal(["audit"], services.GetRequiredService<TenantFeatureRegistry>().GetFeatures(acme!).Enabled);
        Assert.Equal("pro", acme!.GetProperty(TenantFeatureProperties.Plan));
    }
}
