using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
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
        var ex = Assert.Throws<ArgumentException>(() => new HostTenantStrategy([]));

        // kills: the message string mutant
        Assert.StartsWith("At least one host template is required", ex.Message, StringComparison.Ordinal);
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

    [Fact]
    public void Match_MixedScriptHost_IsMalformedNotItsPunycodeLabel()
    {
        // kills: '(cond) ? identifier : Malformed' -> 'true ? ...': the punycode label (xn--cme-5cd) is valid DNS syntax,
        // so resolution would ask the store for it instead of refusing the request as an invalid identifier
        var identifier = Strategy.Match("\u0430cme.example.com");

        Assert.False(identifier.IsEmpty);
        Assert.False(TenantIdentifier.IsValid(identifier.Span));
    }

    [Fact]
    public void Constructor_NullArguments_AreRefusedByName()
    {
        // kills: ArgumentNullException.ThrowIfNull(templates) and ThrowIfNullOrWhiteSpace(template) removed (LINQ's
        // 'source' or a NullReferenceException instead)
        Assert.Equal("templates", Assert.Throws<ArgumentNullException>(() => new HostTenantStrategy(null!)).ParamName);
        Assert.Equal("template", Assert.Throws<ArgumentNullException>(() => new HostTenantStrategy([null!])).ParamName);
    }

    [Fact]
    public void Constructor_IgnoredIdentifiers_AreNotTenants()
    {
        // kills: '?? []' losing the ignored identifiers (the shared strategy above is built once, before any mutant is active)
        var strategy = new HostTenantStrategy(["{tenant}.example.com"], ["WWW", "api"]);

        Assert.True(strategy.Match("www.example.com").IsEmpty);
        Assert.True(strategy.Match("API.example.com").IsEmpty);
        Assert.Equal("acme", strategy.Match("acme.example.com").ToString());
    }

    [Fact]
    public void Constructor_TemplateWithoutADotAfterThePlaceholder_MatchesSingleLabelHosts()
    {
        // kills: the ASCII suffix's early return removed (a suffix without a dot would be refused as an international one)
        var strategy = new HostTenantStrategy(["{tenant}-App", "{tenant}"]);

        Assert.Equal("acme", strategy.Match("acme-app:8080").ToString());
        Assert.Equal("globex", strategy.Match("globex").ToString());
    }

    [Fact]
    public void GetSource_HeaderWithANullValue_IsEmpty()
    {
        // kills: '?? string.Empty' in IdentifierText.Source mutated (a null header value would be read as text)
        var context = new DefaultHttpContext();
        context.Request.Headers.Host = new StringValues(new string?[] { null });

        Assert.Equal(string.Empty, Strategy.GetSource(context));
    }

    [Theory]
    [InlineData(":80")]
    [InlineData(".")]
    [InlineData(".:443")]
    public void Match_HostWithNoNameBeforeThePortOrDot_ReturnsEmpty(string host)
    {
        // kills: 'end > 0' dropped before reading the character ahead of the port (an index out of range)
        Assert.True(Strategy.Match(host).IsEmpty);
    }

    [Fact]
    public void Match_InternationalHostOfNoTemplate_ReturnsEmptyNotMalformed()
    {
        // kills: '||' -> '&&' after the punycode mapping (a host that matches no template would be refused as malformed)
        Assert.True(Strategy.Match("b\u00fccher.example.net").IsEmpty);
    }

    [Fact]
    public void Match_InternationalHostTheIdnaMappingRejects_IsMalformed()
    {
        // kills: the catch of the IDNA mapping's ArgumentException mutated (a label longer than 63 characters once in punycode)
        var identifier = Strategy.Match("b\u00fccher" + new string('a', 70) + ".example.com");

        Assert.Equal(IdentifierText.Malformed.ToString(), identifier.ToString());
    }

    [Fact]
    public void Constructor_TemplateWithSpacesAndATrailingDot_IsTrimmed()
    {
        // kills: Trim() / TrimEnd('.') removed from the template parsing
        var strategy = new HostTenantStrategy([" {tenant}.Example.com. "]);

        Assert.Equal("acme", strategy.Match("acme.example.com").ToString());
    }

    [Theory]
    [InlineData("@{tenant}.example.com", "must be a host name")]
    [InlineData(":{tenant}.example.com", "must be a host name")]
    [InlineData("{tenant}.{TENANT}.example.com", "exactly once")]
    [InlineData("{tenant}\u00fc.example.com", "must be ASCII in the label that holds")]
    [InlineData("{tenant}-\u00fc", "must be ASCII in the label that holds")]
    [InlineData("{tenant}.b\u00fc_cher.de", "is not a valid internationalised host name")]
    [InlineData("\u00fc{tenant}.example.com", "must be ASCII before '{tenant}'")]
    public void Constructor_InvalidTemplate_NamesTheProblem(string template, string problem)
    {
        // kills: '>= 0' -> '> 0' on a forbidden character at the start, the second-placeholder search, the ASCII check of
        // the tenant's label in an international suffix, the wrapped IDNA error, and their message strings
        var ex = Assert.Throws<ArgumentException>(() => new HostTenantStrategy([template]));

        Assert.Contains($"The host template '{template}' ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetIdentifier_OneHostHeader_IsMatched_NoneIsEmpty_TwoAreMalformed()
    {
        // kills: the header count switch (none, one, several) mutated
        var one = await Strategy.GetIdentifierAsync(Request("acme.example.com"), default);
        var none = await Strategy.GetIdentifierAsync(Request(), default);
        var two = await Strategy.GetIdentifierAsync(Request("acme.example.com", "globex.example.com"), default);

        Assert.Equal("acme", one.ToString());
        Assert.True(none.IsEmpty);
        Assert.False(two.IsEmpty);
        Assert.False(TenantIdentifier.IsValid(two.Span));
    }

    [Fact]
    public void GetSource_IsTheOneHostHeader_EmptyWhenAbsent_NullWhenRepeated()
    {
        // kills: IdentifierText.Source's count switch and its '?? string.Empty'
        Assert.Equal("acme.example.com:8080", Strategy.GetSource(Request("acme.example.com:8080")));
        Assert.Equal(string.Empty, Strategy.GetSource(Request()));
        Assert.Null(Strategy.GetSource(Request("acme.example.com", "globex.example.com")));
        Assert.Equal("acme", Strategy.Extract("acme.example.com:8080").ToString());
    }

    private static DefaultHttpContext Request(params string[] hosts)
    {
        var context = new DefaultHttpContext();
        if (hosts.Length > 0)
        {
            context.Request.Headers.Host = new StringValues(hosts);
        }

        return context;
    }
}
