using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TenantKit.Features;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Features;

/// <summary>Issue #17, point 1: features and plans are declared on the builder and checked at start-up, in one message.</summary>
public class FeatureDeclarationTests
{
    [Fact]
    public void MissingDependency_Cycle_AndUnknownPlanFeature_AreRefusedAtStartUp_InOneMessage()
    {
        using var services = TestServices.Build(b => b
            .AddFeature("reports", f => f.DependsOn("exports"))
            .AddFeature("a", f => f.DependsOn("b"))
            .AddFeature("b", f => f.DependsOn("c"))
            .AddFeature("c", f => f.DependsOn("a"))
            .AddPlan("pro", "reports", "billing"));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("'reports' depends on 'exports', which is not declared", error.Message, StringComparison.Ordinal);
        Assert.Contains("cycle: a -> b -> c -> a", error.Message, StringComparison.Ordinal);
        Assert.Contains("plan 'pro' names the feature 'billing', which is not declared", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InconsistentFeatures_StopTheHostFromStarting()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddTenantKit(b => b.AddFeature("reports", f => f.DependsOn("exports")));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("'reports' depends on 'exports'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConsistentFeatures_PassTheStartUpCheck()
    {
        using var services = TestServices.Build(b => b
            .AddFeature("exports")
            .AddFeature("reports", f => f.DependsOn("exports"))
            .AddPlan("pro", "reports"));

        services.GetRequiredService<IStartupValidator>().Validate();
        var registry = services.GetRequiredService<TenantFeatureRegistry>();
        Assert.Equal(["exports", "reports"], registry.Features.Select(f => f.Id));
        Assert.Equal(["reports"], registry.Plans["PRO"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1reports")]
    [InlineData("re ports")]
    [InlineData("-reports")]
    [InlineData("reports,exports")]
    public void AddFeature_WithAnInvalidId_IsRefusedAtOnce(string id)
    {
        var services = new ServiceCollection();
        Assert.ThrowsAny<ArgumentException>(() => services.AddTenantKit(b => b.AddFeature(id)));
    }

    [Fact]
    public void AddFeature_Twice_IsRefusedAtOnce()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<ArgumentException>(() => services.AddTenantKit(b => b.AddFeature("reports").AddFeature("Reports")));
        Assert.Contains("declared twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeatureIds_AreKeptInLowerCase_AndFoundInAnyCase()
    {
        using var services = TestServices.Build(b => b.AddFeature("Reports", f => f.Describe("Monthly reports")));
        var registry = services.GetRequiredService<TenantFeatureRegistry>();

        var feature = registry.Find("REPORTS");

        Assert.NotNull(feature);
        Assert.Equal(("reports", "Monthly reports"), (feature.Id, feature.Description));
    }
}
