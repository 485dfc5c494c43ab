using Microsoft.Extensions.DependencyInjection;
using TenantKit.Features;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Features;

/// <summary>
/// Issue #17, point 2: a tenant's features are always-on ∪ defaults ∪ plan ∪ additions − removals, with every
/// dependency; its properties are read strictly.
/// </summary>
public sealed class EffectiveFeatureSetTests : IDisposable
{
    private readonly ServiceProvider _services = TestServices.Build(b => b
        .AddFeature("audit", f => f.AlwaysOn())
        .AddFeature("search", f => f.EnabledByDefault())
        .AddFeature("exports")
        .AddFeature("reports", f => f.DependsOn("exports"))
        .AddFeature("billing")
        .AddPlan("free")
        .AddPlan("pro", "reports"));

    private TenantFeatureRegistry Registry => _services.GetRequiredService<TenantFeatureRegistry>();

    public void Dispose() => _services.Dispose();

    [Theory]
    [InlineData(null, null, "audit,search")]
    [InlineData("free", null, "audit,search")]
    [InlineData("pro", null, "audit,search,exports,reports")]
    [InlineData("PRO", " billing ", "audit,search,exports,reports,billing")]
    [InlineData("pro", "-search", "audit,exports,reports")]
    [InlineData("free", "reports", "audit,search,exports,reports")]
    [InlineData("pro", "-reports", "audit,search")]
    [InlineData(null, "-search,billing", "audit,billing")]
    public void EffectiveSet_FollowsAlwaysOnDefaultsPlanAdditionsRemovals_AndDependencies(string? plan, string? features, string expected)
    {
        var set = Registry.GetFeatures(Tenant(plan, features));

        Assert.Equal(expected.Split(','), set.Enabled);
        Assert.Equal(plan?.ToLowerInvariant(), set.Plan);
        Assert.True(set.IsEnabled("AUDIT"));
    }

    [Theory]
    [InlineData("gold", null, "'gold' is not a declared plan")]
    [InlineData(null, "reprots", "'reprots' is not a declared feature")]
    [InlineData(null, "reports,,billing", "empty entry")]
    [InlineData(null, "reports,-reports", "both added and removed")]
    [InlineData(null, "-audit", "'audit' is always on and cannot be removed")]
    [InlineData("pro", "-exports", "'reports' needs 'exports', which the tenant's features remove")]
    public void InvalidFeatureProperties_AreRefusedWithAClearMessage(string? plan, string? features, string expected)
    {
        var error = Assert.Throws<TenantValidationException>(() => Registry.GetFeatures(Tenant(plan, features)));

        Assert.Contains(expected, Assert.Single(error.Errors["features"]), StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveSet_IsComputedOncePerTenantSnapshot()
    {
        var tenant = Tenant("pro", null);

        Assert.Same(Registry.GetFeatures(tenant), Registry.GetFeatures(tenant));
    }

    private static TenantInfo Tenant(string? plan, string? features)
    {
        var properties = new Dictionary<string, string>();
        if (plan is not null)
        {
            properties[TenantFeatureProperties.Plan] = plan;
        }

        if (features is not null)
        {
            properties[TenantFeatureProperties.Features] = features;
        }

        return TestTenants.Create("acme", properties: properties);
    }
}
