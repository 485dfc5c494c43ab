using TenantKit.AspNetCore.Resolution;

namespace TenantKit.AspNetCore.Tests.Resolution;

public class PathBaseTenantStrategyTests
{
    [Theory]
    [InlineData("/t/acme/orders", "acme", 7)]
    [InlineData("/t/acme", "acme", 7)]
    [InlineData("/t/acme/", "acme", 7)]
    [InlineData("/T/ACME/orders", "ACME", 7)]
    [InlineData("/t/a.b/x", "a.b", 6)]
    public void Match_PathUnderTheTemplate_ReturnsIdentifierAndPrefix(string path, string identifier, int prefixLength)
    {
        var strategy = new PathBaseTenantStrategy("/t/{tenant}");
        Assert.Equal(identifier, strategy.Match(path, out var length).ToString());
        Assert.Equal(prefixLength, length);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("")]
    [InlineData("/t")]
    [InlineData("/t/")]
    [InlineData("/t//orders")]
    [InlineData("/tx/acme")]
    [InlineData("/orders")]
    [InlineData("t/acme")]
    public void Match_PathOutsideTheTemplate_ReturnsEmpty(string path)
    {
        var strategy = new PathBaseTenantStrategy("/t/{tenant}");
        Assert.True(strategy.Match(path, out var length).IsEmpty);
        Assert.Equal(0, length);
    }

    [Fact]
    public void Match_TemplateWithoutLiteralSegments_UsesTheFirstSegment()
    {
        var strategy = new PathBaseTenantStrategy("/{tenant}");
        Assert.Equal("acme", strategy.Match("/acme/orders", out var length).ToString());
        Assert.Equal(5, length);
    }

    [Fact]
    public void Match_TemplateWithSeveralSegments_MatchesThemAll()
    {
        var strategy = new PathBaseTenantStrategy("/api/tenants/{tenant}");
        Assert.Equal("acme", strategy.Match("/API/Tenants/acme/orders", out var length).ToString());
        Assert.Equal(17, length);
        Assert.True(strategy.Match("/api/acme/orders", out _).IsEmpty);
    }

    [Theory]
    [InlineData("t/{tenant}")]
    [InlineData("/t/{tenant}/orders")]
    [InlineData("/t")]
    [InlineData("/{x}/{tenant}")]
    [InlineData("//{tenant}")]
    public void Constructor_InvalidTemplate_Throws(string template)
    {
        Assert.Throws<ArgumentException>(() => new PathBaseTenantStrategy(template));
    }
}
