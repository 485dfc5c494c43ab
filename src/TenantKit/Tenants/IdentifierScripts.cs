using System.Text;

namespace TenantKit;

/// <summary>
/// The script rules for internationalised identifiers, after Unicode TR #39 (Unicode Security Mechanisms): a label
/// must meet the "highly restrictive" level (one script, or Latin with Han and Japanese kana, Latin with Han and
/// Bopomofo, or Latin with Han and Hangul), and the <see cref="Skeleton"/> of a label folds the Cyrillic, Greek and
/// Armenian letters that look like Latin ones, so that a whole-script look-alike (<c>аре</c> in Cyrillic against
/// <c>ape</c>) can be compared with the tenants that exist.
/// </summary>
/// <remarks>
/// .NET exposes no Unicode Script property, so scripts are told by code-point ranges of the Unicode blocks that hold
/// them; a letter outside the listed ranges counts as a script of its own block. The look-alike table covers the
/// letters that render like Latin ones in common fonts; it is a subset of TR #39's confusables data (which is not
/// shipped with .NET), so the skeleton check is a second line: mixed scripts are refused outright.
/// </remarks>
internal static class IdentifierScripts
{
    private const int Common = 0, Latin = 1, Greek = 2, Cyrillic = 3, Han = 4, Hiragana = 5, Katakana = 6, Hangul = 7,
        Bopomofo = 8, Armenian = 9, Hebrew = 10, Arabic = 11, Thai = 12, Georgian = 13, Devanagari = 14, Inherited = -1;

    // Letters of other scripts that look like a Latin letter, and that letter.
    private static readonly Dictionary<int, char> LatinLookAlikes = BuildLookAlikes();

    /// <summary>Tells why <paramref name="label"/> (Unicode, lower case) fails the highly restrictive level, or <see langword="null"/>.</summary>
    public static string? GetRestrictionError(string label)
    {
        ulong scripts = 0;
        foreach (var rune in label.EnumerateRunes())
        {
            var script = ScriptOf(rune);
            if (script > Common)
            {
                scripts |= 1UL << Math.Min(script, 63);
            }
        }

        if (System.Numerics.BitOperations.PopCount(scripts) <= 1)
        {
            return null;
        }

        const ulong japanese = (1UL << Latin) | (1UL << Han) | (1UL << Hiragana) | (1UL << Katakana);
        const ulong chinese = (1UL << Latin) | (1UL << Han) | (1UL << Bopomofo);
        const ulong korean = (1UL << Latin) | (1UL << Han) | (1UL << Hangul);
        return (scripts & ~japanese) == 0 || (scripts & ~chinese) == 0 || (scripts & ~korean) == 0
            ? null
            : "it mixes letters of different scripts (a look-alike of another name).";
    }

    /// <summary>
    /// The label (Unicode, lower case) with every letter that looks like a Latin letter replaced by it and the accents
    /// on Latin letters dropped: two labels with the same skeleton look alike.
    /// </summary>
    public static string Skeleton(string label)
    {
        var builder = new StringBuilder(label.Length);
        foreach (var rune in label.Normalize(NormalizationForm.FormD).EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.NonSpacingMark && builder.Length > 0
                && builder[^1] <= 127)
            {
                continue; // a mark on a Latin look-alike (ё, ӧ): the base letter is what the eye reads
            }

            if (LatinLookAlikes.TryGetValue(rune.Value, out var latin))
            {
                builder.Append(latin);
            }
            else
            {
                builder.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }

        return builder.ToString();
    }

    private static int ScriptOf(Rune rune)
    {
        var c = rune.Value;
        if (c < 128)
        {
            return char.IsAsciiLetter((char)c) ? Latin : Common;
        }

        if (Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark)
        {
            return Inherited;
        }

        return c switch
        {
            <= 0x024F => Latin,                                  // Latin-1 Supplement, Latin Extended-A and -B
            >= 0x1E00 and <= 0x1EFF => Latin,                    // Latin Extended Additional
            >= 0x2C60 and <= 0x2C7F or >= 0xA720 and <= 0xA7FF or >= 0xAB30 and <= 0xAB6F => Latin,
            >= 0x0370 and <= 0x03FF or >= 0x1F00 and <= 0x1FFF => Greek,
            >= 0x0400 and <= 0x052F or >= 0x1C80 and <= 0x1C8F or >= 0x2DE0 and <= 0x2DFF or >= 0xA640 and <= 0xA69F => Cyrillic,
            >= 0x0530 and <= 0x058F => Armenian,
            >= 0x0590 and <= 0x05FF => Hebrew,
            >= 0x0600 and <= 0x06FF or >= 0x0750 and <= 0x077F or >= 0x08A0 and <= 0x08FF => Arabic,
            >= 0x0900 and <= 0x097F => Devanagari,
            >= 0x0E00 and <= 0x0E7F => Thai,
            >= 0x10A0 and <= 0x10FF or >= 0x2D00 and <= 0x2D2F => Georgian,
            >= 0x1100 and <= 0x11FF or >= 0x3130 and <= 0x318F or >= 0xAC00 and <= 0xD7AF => Hangul,
            >= 0x3040 and <= 0x309F => Hiragana,
            >= 0x30A0 and <= 0x30FF or >= 0x31F0 and <= 0x31FF => Katakana,
            >= 0x3100 and <= 0x312F or >= 0x31A0 and <= 0x31BF => Bopomofo,
            >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x3FFFF => Han,
            _ => 16 + Math.Min(c >> 7, 47),                       // another script: told apart by its 128-code-point block
        };
    }

    private static Dictionary<int, char> BuildLookAlikes()
    {
        // Pairs of (look-alike, Latin letter), as escapes so the source itself cannot be misread.
        const string pairs =
            // Cyrillic: а е о р с у х ѕ і ј ԁ һ ԛ ԝ ӏ к п г
            "\u0430a\u0435e\u043Eo\u0440p\u0441c\u0443y\u0445x\u0455s\u0456i\u0458j\u0501d\u04BBh\u051Bq\u051Dw\u04CFl\u043Ak\u043Fn\u0433r"
            // Greek: α ε ι κ ν ο ρ τ υ χ ω
            + "\u03B1a\u03B5e\u03B9i\u03BAk\u03BDv\u03BFo\u03C1p\u03C4t\u03C5u\u03C7x\u03C9w"
            // Armenian: օ ս հ ո ց զ
            + "\u0585o\u057Du\u0570h\u0578n\u0581g\u0566q";
        var map = new Dictionary<int, char>(pairs.Length / 2);
        for (var i = 0; i < pairs.Length; i += 2)
        {
            map[pairs[i]] = pairs[i + 1];
        }

        return map;
    }
}
