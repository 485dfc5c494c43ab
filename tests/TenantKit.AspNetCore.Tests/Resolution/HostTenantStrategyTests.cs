using TenantKit.AspNetCore.Resolution;

namespace TenantKit.AspNetCore.Tests.Resolution;

public class HostTenantStrategyTests
{
    private static readonly HostTenantStrategy Strategy = new(["{tenant}.example.com", "{tenant}.localhost", "shop-{tenant}.example.org"], ["www"]);

    [Theory]
    [InlineData("acme.example.com", "acme")]
    [InlineData("ACME.Example.COM", "ACME")]
    [InlineData("acme.example.com.", "acme")]
    [InlineData("acme.example.com:8080", "acme")]
    [InlineData("acme.example.com.:443", "acme")]
    [InlineData("acme.example.com:", "acme")]
    [InlineData("acme.localhost", "acme")]
    [InlineData("acme.localhost:5000", "acme")]
    [InlineData("shop-acme.example.org", "acme")]
    [InlineData("xn--bcher-kva.example.com", "xn--bcher-kva")]
    [InlineData("a.b.example.com", "a.b")]
    public void Match_HostOfATemplate_ReturnsTheTenantLabel(string host, string expected)
    {
        Assert.Equal(expected, Strategy.Match(host).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("example.com")]
    [InlineData(".example.com")]
    [InlineData("localhost")]
    [InlineData("acme.example.com.evil.com")]
    [InlineData("acme.example.comx")]
    [InlineData("acme-example.com")]
    [InlineData("shop-.example.org")]
    [InlineData("[::1]:80")]
    [InlineData("[::1]")]
    [InlineData("127.0.0.1:5000")]
    [InlineData("www.example.com")]
    [InlineData("WWW.example.com")]
    public void Match_HostOfNoTemplate_ReturnsEmpty(string host)
    {
        Assert.True(Strategy.Match(host).IsEmpty);
    }

    [Theory]
    [InlineData("acme.example.com:80:80")]
    [InlineData("acme.example.com:http")]
    [InlineData("::1")]
    [InlineData("bü\u200bcher.example.com")]
    [InlineData("acme\u0000.example.com\u00ff")]
    public void Match_MalformedHost_ReturnsAValueNoTenantHas(string host)
    {
        var identifier = Strategy.Match(host);
        Assert.False(identifier.IsEmpty);
        Assert.False(TenantIdentifier.IsValid(identifier.Span));
    }

    [Theory]
    [InlineData("bücher.example.com")]
    [InlineData("BÜCHER.example.com")]
    [InlineData("bücher.example.com.:8443")]
    public void Match_InternationalHost_ReturnsThePunycodeLabel(string host)
    {
        Assert.Equal("xn--bcher-kva", Strategy.Match(host).ToString());
    }

    [Fact]
    public void Match_TemplateWithInternationalDomain_MatchesItsPunycodeForm()
    {
        var strategy = new HostTenantStrategy(["{tenant}.bücher.de"]);
        Assert.Equal("acme", strategy.Match("acme.xn--bcher-kva.de").ToString());
        Assert.Equal("acme", strategy.Match("acme.bücher.de").ToString());
    }

    [Fact]
    public void Match_AsciiHost_AllocatesNothing()
    {
        var host = "acme.example.com:8080";
        Strategy.Match(host);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Strategy.Match(host);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("{tenant}.{tenant}.example.com")]
    [InlineData("www.{tenant}.example.com")]
    [InlineData("https://{tenant}.example.com")]
    [InlineData("{tenant}.example.com:8080")]
    [InlineData("{tenant}.example.com/path")]
    [InlineData("*.example.com")]
    [InlineData("ü{tenant}.example.com")]
    [InlineData(" ")]
    public void Constructor_InvalidTemplate_Throws(string template)
    {
        Assert.ThrowsAny<ArgumentException>(() => new HostTenantStrategy([template]));
    }

    [Fact]
    public void Constructor_NoTemplate_Throws()
    {
        Assert.Throws<ArgumentException>(() => new HostTenantStrategy([]));
    }

    [Theory]
    [InlineData("\u212Acme.example.com")]          // Kelvin sign: folds to 'k' when lower-cased first
    [InlineData("\u212A\u212A.localhost")]
    [InlineData("acme.exampl\u0130.com")]           // dotted capital I in the suffix
    public void Match_LetterThatFoldsToAscii_IsRefusedNotResolvedToTheAsciiTenant(string host)
    {
        var identifier = Strategy.Match(host);

        Assert.False(identifier.IsEmpty);
        Assert.False(TenantIdentifier.IsValid(identifier.Span));
    }

    [Fact]
    public void Match_MixedScriptHost_NeverYieldsTheLatinTenant()
    {
        var identifier = Strategy.Match("\u0430cme.example.com").ToString();

        Assert.NotEqual("acme", identifier);
        Assert.False(TenantIdentifier.TryNormalize(identifier, out _));
    }
}
