using Microsoft.Extensions.Options;

namespace TenantKit.Yarp.Tests.Routing;

public sealed class OptionsValidationTests
{
    [Fact]
    public void BadOptions_AreRefusedWithOneMessageNamingEach()
    {
        var services = new ServiceCollection();
        services.AddReverseProxy().AddTenantAffinity(t => t.WithHostStrategy("{tenant}.example.com"), o =>
        {
            o.LoadBound = -1;
            o.MinimumLoadBeforeSpill = 0;
            o.FailoverAttempts = 11;
            o.RegionClusters["eu-west"] = "eu";
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TenantAffinityOptions>>().Value);

        Assert.Contains(nameof(TenantAffinityOptions.LoadBound), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(TenantAffinityOptions.MinimumLoadBeforeSpill), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(TenantAffinityOptions.FailoverAttempts), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(TenantAffinityOptions.RegionOf), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedHostTemplate_FailsWhenTheProxyIsConfigured()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentException>(() => services.AddReverseProxy().AddTenantAffinity(t => t.WithHostStrategy("example.com")));
    }
}
