namespace TenantKit.Tests.Tenants;

public class TenantIdentifierTests
{
    [Theory]
    [InlineData("acme", "acme")]
    [InlineData("ACME", "acme")]
    [InlineData("a", "a")]
    [InlineData("a-1", "a-1")]
    [InlineData("xn--bcher-kva", "xn--bcher-kva")]
    [InlineData("bücher", "xn--bcher-kva")]
    [InlineData("123", "123")]
    [InlineData("acme\u0131", "xn--acme-oza")]
    public void Normalize_ValidInput_ReturnsLowerCaseAsciiLabel(string input, string expected)
    {
        Assert.Equal(expected, TenantIdentifier.Normalize(input));
    }

    public static TheoryData<string?> HostileInputs() => new()
    {
        null, "", " ", "\t", " acme", "acme ", "ac me", new string('a', 64), new string('a', 1000),
        "-acme", "acme-", "-", "acme.com", "acme.", ".acme", "a/b", "a\\b", "../etc", "a:80", "a@b", "a_b",
        "acme\0", "ac\u0000me", "acme\r\n", "\u0007", "a\u200bb", "a\ufeff", "\ud800", "acme%2e",
        "<script>", "a'b", "a\"b", "a;b", "💥", "ǅ", "\u212A", "ａｃｍｅ",
    };

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void Normalize_HostileInput_ThrowsTypedExceptionWithPrintableMessage(string? input)
    {
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(input));
        Assert.Equal("invalid-tenant-identifier", ex.ErrorCode);
        Assert.True(ex.Errors.ContainsKey("identifier"));
        Assert.DoesNotContain(ex.Message, c => char.IsControl(c));
        Assert.True(ex.DisplayValue.Length <= 81);
        Assert.False(TenantIdentifier.TryNormalize(input, out _));
    }

    [Theory]
    [InlineData("xn--a")]
    [InlineData("xn--zzzzzzzzzzz-zz")]
    public void Normalize_FakePunycode_IsRefused(string input)
    {
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(input));
        Assert.Contains("punycode", ex.Reason);
    }

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void IsValid_HostileInput_IsFalse(string? input)
    {
        Assert.False(TenantIdentifier.IsValid((input ?? string.Empty).AsSpan()));
    }

    [Fact]
    public void IsValid_AcceptsAnyCase_IsNormalized_OnlyLowerCase()
    {
        Assert.True(TenantIdentifier.IsValid("AcMe"));
        Assert.False(TenantIdentifier.IsNormalized("AcMe"));
        Assert.True(TenantIdentifier.IsNormalized("acme"));
        Assert.True(TenantIdentifier.IsValid(new string('a', 63)));
    }
}
