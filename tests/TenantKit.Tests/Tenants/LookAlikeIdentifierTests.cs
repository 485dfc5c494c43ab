using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Tenants;

/// <summary>Look-alike identifiers, tried as an attacker would: the cases, each a regression test.</summary>
public sealed class LookAlikeIdentifierTests
{
    private const string CyrillicA = "\u0430";          // а, looks like Latin 'a'
    private const string KelvinSign = "\u212A";         // K, folds to ASCII 'k'

    private static readonly IdnMapping Idn = new();

    [Fact]
    public void TryNormalize_CyrillicLetterAmongLatinOnes_IsRefusedAsMixedScripts()
    {
        Assert.False(TenantIdentifier.TryNormalize(CyrillicA + "cme", out _));
        var ex = Assert.Throws<InvalidTenantIdentifierException>(() => TenantIdentifier.Normalize(CyrillicA + "cme"));
        Assert.Contains("mixes letters of different scripts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalize_MixedScriptLabelTypedAsPunycode_IsRefusedLikeItsUnicodeForm()
    {
        var punycode = Idn.GetAscii(CyrillicA + "cme");   // xn--cme-5cd: what the old code stored beside "acme"
        Assert.StartsWith("xn--", punycode, StringComparison.Ordinal);

        Assert.False(TenantIdentifier.TryNormalize(punycode, out _));
        Assert.False(TenantIdentifier.TryNormalize(punycode.ToUpperInvariant(), out _));
    }

    [Fact]
    public void TryNormalize_KelvinSign_IsRefusedNotFoldedToTheAsciiTenant()
    {
        Assert.False(TenantIdentifier.TryNormalize(KelvinSign + "cme", out _));
        Assert.False(TenantIdentifier.TryNormalize("a" + KelvinSign.ToLowerInvariant() + "\u0130", out _));
    }

    [Theory]
    [InlineData("\u043f\u0440\u0438\u043c\u0435\u0440")]          // пример: Cyrillic only
    [InlineData("b\u00fccher")]                                   // bücher: Latin only
    [InlineData("shop\u65e5\u672c\u3072\u3089\u30ab\u30ca")]      // Latin with Han, hiragana and katakana
    [InlineData("abc\ud55c\uad6d")]                               // Latin with Hangul
    [InlineData("\u03b1\u03b2\u03b3")]                            // αβγ: Greek only
    public void TryNormalize_SingleScriptOrAnAllowedCombination_IsAccepted(string value)
    {
        Assert.True(TenantIdentifier.TryNormalize(value, out var normalized));
        Assert.StartsWith("xn--", normalized, StringComparison.Ordinal);
        Assert.True(TenantIdentifier.TryNormalize(normalized, out var again));
        Assert.Equal(normalized, again);
    }

    [Theory]
    [InlineData("p\u0430ypal")]                                   // Cyrillic а in paypal
    [InlineData("g\u03bfogle")]                                   // Greek ο in google
    [InlineData("\u043f\u0440\u0438\u043c\u0435\u0440abc")]       // Cyrillic word with Latin letters
    [InlineData("\u05d0\u0627")]                                  // Hebrew with Arabic
    public void TryNormalize_MixedScripts_AreRefused(string value)
    {
        Assert.False(TenantIdentifier.TryNormalize(value, out _));
    }

    [Fact]
    public async Task CreateAsync_InternationalisedIdentifier_IsRefusedByDefault()
    {
        await using var services = TestServices.Build();
        var admin = services.GetRequiredService<ITenantAdministration>();
        using var host = services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();

        var ex = await Assert.ThrowsAsync<TenantValidationException>(() => admin.CreateAsync(new TenantDraft("b\u00fccher")).AsTask());
        Assert.Contains("ASCII identifiers only", Assert.Single(ex.Errors["identifier"]), StringComparison.Ordinal);
        var typed = await Assert.ThrowsAsync<TenantValidationException>(() => admin.CreateAsync(new TenantDraft("xn--bcher-kva")).AsTask());
        Assert.Contains("internationalised", Assert.Single(typed.Errors["identifier"]), StringComparison.Ordinal);
        Assert.Empty((await admin.ListAsync(new TenantQuery())).Items);
    }

    [Fact]
    public async Task CreateAsync_MixedScriptLookAlikeOfAnExistingTenant_IsRefusedEvenWithInternationalisedIdentifiersAllowed()
    {
        await using var services = TestServices.Build(b => b.ConfigureIdentifiers(o => o.AllowInternationalized = true));
        var admin = services.GetRequiredService<ITenantAdministration>();
        using var host = services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();
        await admin.CreateAsync(new TenantDraft("acme"));

        var unicode = await Assert.ThrowsAsync<TenantValidationException>(() => admin.CreateAsync(new TenantDraft(CyrillicA + "cme")).AsTask());
        var punycode = await Assert.ThrowsAsync<TenantValidationException>(() => admin.CreateAsync(new TenantDraft(Idn.GetAscii(CyrillicA + "cme"))).AsTask());

        Assert.Contains("mixes letters of different scripts", Assert.Single(unicode.Errors["identifier"]), StringComparison.Ordinal);
        Assert.Contains("mixes letters of different scripts", Assert.Single(punycode.Errors["identifier"]), StringComparison.Ordinal);

        Assert.Equal(["acme"], (await admin.ListAsync(new TenantQuery())).Items.Select(t => t.Identifier));
    }

    [Fact]
    public async Task CreateAsync_WholeScriptLookAlike_IsRefusedInBothOrders()
    {
        const string cyrillicApe = "\u0430\u0440\u0435";             // аре: all Cyrillic, reads "ape"
        await using var services = TestServices.Build(b => b.ConfigureIdentifiers(o => o.AllowInternationalized = true));
        var admin = services.GetRequiredService<ITenantAdministration>();
        using var host = services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();

        await admin.CreateAsync(new TenantDraft("ape"));
        var ex = await Assert.ThrowsAsync<TenantValidationException>(() => admin.CreateAsync(new TenantDraft(cyrillicApe)).AsTask());
        Assert.Contains("looks like the existing tenant 'ape'", Assert.Single(ex.Errors["identifier"]), StringComparison.Ordinal);

        // The other way round: the Cyrillic one first, then the ASCII one it imitates, then a Greek twin.
        await admin.CreateAsync(new TenantDraft("\u043e\u0440\u0435")); // оре
        await Assert.ThrowsAsync<TenantValidationException>(() => admin.CreateAsync(new TenantDraft("ope")).AsTask());
        await Assert.ThrowsAsync<TenantValidationException>(() => admin.CreateAsync(new TenantDraft("\u03bf\u03c1\u03b5")).AsTask()); // ορε

        Assert.Equal(2, (await admin.ListAsync(new TenantQuery())).TotalCount);
    }

    [Fact]
    public async Task CreateAsync_InternationalisedIdentifierThatImitatesNoOne_IsCreatedWhenAllowed()
    {
        await using var services = TestServices.Build(b => b.ConfigureIdentifiers(o => o.AllowInternationalized = true));
        var admin = services.GetRequiredService<ITenantAdministration>();
        using var host = services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();

        var created = await admin.CreateAsync(new TenantDraft("b\u00fccher"));

        Assert.Equal("xn--bcher-kva", created.Identifier);
    }

    [Theory]
    [InlineData("www")]
    [InlineData("API")]
    [InlineData("admin")]
    [InlineData("console")]
    [InlineData("billing")]
    public async Task CreateAsync_ReservedIdentifier_IsRefusedWithAClearError(string identifier)
    {
        await using var services = TestServices.Build(b => b.ConfigureIdentifiers(o => o.Reserved.Add("billing")));
        var admin = services.GetRequiredService<ITenantAdministration>();
        using var host = services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();

        var ex = await Assert.ThrowsAsync<TenantValidationException>(() => admin.CreateAsync(new TenantDraft(identifier)).AsTask());

        Assert.Equal($"'{identifier.ToLowerInvariant()}' is reserved; choose another identifier.", Assert.Single(ex.Errors["identifier"]));
        Assert.Empty((await admin.ListAsync(new TenantQuery())).Items);
    }

    [Fact]
    public async Task UpdateAsync_RenameToAReservedIdentifier_IsRefusedAndKeepsTheTenant()
    {
        await using var services = TestServices.Build();
        var admin = services.GetRequiredService<ITenantAdministration>();
        using var host = services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();
        var acme = await admin.CreateAsync(new TenantDraft("acme"));

        await Assert.ThrowsAsync<TenantValidationException>(() => admin.UpdateAsync(acme.Id, new TenantUpdate { Identifier = "admin" }, acme.Version).AsTask());

        Assert.Equal("acme", (await admin.GetAsync(acme.Id))!.Identifier);
        // A rename that keeps the identifier is not checked again (a tenant predating a new reserved name stays editable).
        Assert.Equal("Acme Corp", (await admin.UpdateAsync(acme.Id, new TenantUpdate { Name = "Acme Corp" }, acme.Version)).Name);
    }
}
