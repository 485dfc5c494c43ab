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

    // The reason a user reads in the exception, for each rule: every rule's branch and message is observable.
    [Theory]
    [InlineData(null, "it is missing.")]
    [InlineData("", "it is empty.")]
    [InlineData("acme.com", "it contains '.'; an identifier is a single DNS label.")]
    [InlineData("ac me", "it contains white space.")]
    [InlineData("ac\tme", "it contains white space.")]                     // white space that is also a control character
    [InlineData("ac\u0001me", "it contains a control character.")]
    [InlineData("a_b", "it contains characters that are not allowed (only a-z, 0-9 and '-').")]
    [InlineData("-acme", "it starts or ends with '-'.")]
    [InlineData("acme-", "it starts or ends with '-'.")]
    [InlineData("b\u00fc cher", "it contains characters that are not allowed (only letters, digits and '-').")]
    [InlineData("\u212Acme", "it contains a non-ASCII look-alike of an ASCII letter.")]
    [InlineData("\uff41\uff43\uff4d\uff45", "it is not in the canonical internationalised form (it contains characters IDNA would change or drop).")]
    [InlineData("xn--a", "it starts with 'xn--' but is not valid punycode.")]
    public void Normalize_EachRule_ThrowsWithItsReason(string? input, string reason)
    {
        // kills: the string mutants on every reason, and the removal of each rule's early return
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(input));

        Assert.Equal(reason, ex.Reason);
        Assert.EndsWith(reason, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1000)]
    public void Normalize_AsciiLongerThanTheLimit_IsRefusedAsTooLong(int length)
    {
        // kills: '>' -> '>=' on the length limit would refuse 63 (below); the reason string mutant
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(new string('a', length)));

        Assert.Equal("it is longer than 63 characters.", ex.Reason);
        Assert.Equal(new string('a', 63), TenantIdentifier.Normalize(new string('A', 63)));
    }

    [Fact]
    public void Normalize_NonAsciiLongerThanFourTimesTheLimit_IsRefusedAsTooLongBeforeTheIdnaMapping()
    {
        // kills: the early length check on non-ASCII input removed or its '>' turned into '>=' (252 characters are
        // handed to IDNA, which refuses them with another reason)
        var tooLong = "\u00fc" + new string('a', 4 * TenantIdentifier.MaxLength);
        var atTheBound = "\u00fc" + new string('a', (4 * TenantIdentifier.MaxLength) - 1);

        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(tooLong));
        var atBound = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(atTheBound));

        Assert.Equal("it is longer than 63 characters.", ex.Reason);
        Assert.Equal("it is not a valid internationalised name.", atBound.Reason);
    }

    [Fact]
    public void Normalize_InternationalisedLabelTheIdnaMappingRejects_IsRefusedAsInvalidNotThrownThrough()
    {
        // kills: the catch of the IDNA mapping's ArgumentException (its reason, its 'return false'): a label whose
        // punycode form is longer than a DNS label
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize("b\u00fccher" + new string('a', 70)));

        Assert.Equal("it is not a valid internationalised name.", ex.Reason);
        Assert.False(TenantIdentifier.TryNormalize("b\u00fccher" + new string('a', 70), out _));
    }

    [Fact]
    public void Normalize_LetterThatIdnaMapsToASpace_IsRefusedByTheStd3Rules()
    {
        // kills: UseStd3AsciiRules = true -> false (U+037A, a modifier letter, maps to " \u03b9": without the STD3 rules
        // the mapping succeeds and the label is refused for another reason)
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize("\u03b1\u03b2\u03b3\u037a"));

        Assert.Equal("it is not a valid internationalised name.", ex.Reason);
    }

    [Theory]
    [InlineData("b\u00fccher-shop", "xn--bcher-shop-9db")]          // '-' among non-ASCII letters
    [InlineData("B\u00dcCHER", "xn--bcher-kva")]                    // upper-case letters
    [InlineData("b\u00fccher2", "xn--bcher2-3ya")]                  // a digit
    [InlineData("\u05e9\u05dc\u05d5\u05dd", "xn--9dbne9b")]         // other letters (Hebrew)
    [InlineData("\u30e9\u30fc\u30e1\u30f3", "xn--4dkp5a8a")]       // a modifier letter (katakana prolonged sound mark)
    [InlineData("\u0939\u093f\u0928\u094d\u0926\u0940", "xn--j2bd4cyah0f")] // Devanagari: spacing and non-spacing marks
    public void Normalize_InternationalisedLabelOfEveryAllowedCategory_IsAccepted(string input, string expected)
    {
        // kills: the '-' exemption inverted ('!=' -> '=='), and each category of the allowed list dropped
        Assert.Equal(expected, TenantIdentifier.Normalize(input));
    }

    [Theory]
    [InlineData("ab--cd")]
    [InlineData("a1--b")]
    public void Normalize_OrdinaryLabelWithTwoHyphensAtPositionsThreeAndFour_IsAcceptedAsIs(string input)
    {
        // kills: the 'xn--' prefix check widened (the string mutated to "", or StartsWith -> EndsWith/Contains),
        // which would send an ordinary label to the punycode decoder, and IDNA refuses '--' at positions 3-4
        Assert.Equal(input, TenantIdentifier.Normalize(input));
        Assert.True(TenantIdentifier.TryNormalize(input.ToUpperInvariant(), out var normalized));
        Assert.Equal(input, normalized);
    }

    [Fact]
    public void TryNormalize_RefusedPunycode_LeavesNoNormalizedValue()
    {
        // kills: 'normalized = null' removed on the punycode refusal (the out value would hold the refused label)
        Assert.False(TenantIdentifier.TryNormalize("xn--a", out var normalized));
        Assert.Null(normalized);
    }

    [Fact]
    public void IsNormalized_InvalidLowerCaseValue_IsFalse()
    {
        // kills: '&&' -> '||' between the validity and the case check
        Assert.False(TenantIdentifier.IsNormalized("-acme"));
        Assert.False(TenantIdentifier.IsNormalized("ac.me"));
    }

    [Theory]
    [InlineData("a\u200bb", "a\\u200bb")]
    [InlineData("a\ufeff", "a\\ufeff")]
    [InlineData("a\u2028b\u2029", "a\\u2028b\\u2029")]
    [InlineData("ac\u0000me\r\n", "ac\\u0000me\\u000d\\u000a")]
    [InlineData("a b", "a b")]
    public void Normalize_InvisibleCharacters_AreEscapedInTheMessage(string input, string display)
    {
        // kills: each character of the escape list dropped, the escape format mutated, the escape/verbatim branches swapped
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(input));

        Assert.Equal(display, ex.DisplayValue);
        Assert.Contains($"'{display}' is not a valid tenant identifier: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_LoneSurrogate_IsEscapedInTheMessage()
    {
        // kills: 'char.IsSurrogate' dropped from the escape condition (built in code: a test attribute cannot carry a lone surrogate)
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize("a" + (char)0xD800));

        Assert.Equal("a\\ud800", ex.DisplayValue);
    }

    [Fact]
    public void Normalize_NullValue_IsDisplayedAsNull()
    {
        // kills: the "(null)" string mutant
        Assert.Equal("(null)", Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(null)).DisplayValue);
    }

    [Theory]
    [InlineData(80, false)]
    [InlineData(81, true)]
    [InlineData(500, true)]
    public void Normalize_LongValue_IsDisplayedUpToEightyCharactersThenAnEllipsis(int length, bool truncated)
    {
        // kills: '>=' -> '>' at the 80-character display limit, the ellipsis removed, the 'break' removed
        var value = "-" + new string('a', length - 1);

        var display = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(value)).DisplayValue;

        Assert.Equal(truncated ? value[..80] + "\u2026" : value, display);
    }
}
