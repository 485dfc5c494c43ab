using Microsoft.AspNetCore.Http;
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

    [Theory]
    [InlineData("/ab{tenant}")]
    [InlineData("t/{tenant}")]
    public void Constructor_TemplateNotEndingWithThePlaceholderSegment_NamesTheRule(string template)
    {
        // kills: the "/" of the final segment dropped ('/ab{tenant}' would be accepted), and the message string mutant
        var ex = Assert.Throws<ArgumentException>(() => new PathBaseTenantStrategy(template));

        Assert.Contains("must start with '/' and end with the segment '{tenant}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NullTemplate_IsRefusedByName()
    {
        // kills: ThrowIfNullOrWhiteSpace(template) removed (a NullReferenceException instead)
        Assert.Equal("template", Assert.Throws<ArgumentNullException>(() => new PathBaseTenantStrategy(null!)).ParamName);
    }

    [Theory]
    [InlineData("/x}/{tenant}")]
    [InlineData("/a{/{tenant}")]
    public void Constructor_TemplateWithABraceInALiteralSegment_Throws(string template)
    {
        // kills: each brace test of the literal segments removed
        var ex = Assert.Throws<ArgumentException>(() => new PathBaseTenantStrategy(template));

        Assert.Contains("may hold literal segments", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TemplateWithSpacesAndAnUpperCasePlaceholder_IsAccepted()
    {
        // kills: Trim() removed, and the placeholder compared with case
        var strategy = new PathBaseTenantStrategy(" /t/{TENANT} ");

        Assert.Equal("/t/{TENANT}", strategy.Template);
        Assert.Equal("acme", strategy.Match("/t/acme/orders", out _).ToString());
    }

    [Theory]
    [InlineData("/t/acme/orders", "acme")]
    [InlineData("/t/B\u00dcCHER/orders", "xn--bcher-kva")]
    [InlineData("/orders", "")]
    [InlineData("/t/b\u00fc\u200bcher", "\0")]
    public async Task GetIdentifier_ReadsTheRequestPath_AndMapsInternationalLabels(string path, string expected)
    {
        // kills: IdentifierText.Prepare's mutants: an empty match must stay empty (not malformed), ASCII stays as is,
        // an exact internationalised label becomes punycode, anything else is malformed
        var strategy = new PathBaseTenantStrategy("/t/{tenant}");
        var context = new DefaultHttpContext();
        context.Request.Path = path;

        Assert.Equal(expected, (await strategy.GetIdentifierAsync(context, default)).ToString());
    }
}
