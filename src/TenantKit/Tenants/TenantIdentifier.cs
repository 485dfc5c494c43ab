using System.Globalization;
using System.Text;

namespace TenantKit;

/// <summary>
/// The one place where tenant identifiers are validated and normalised. An identifier follows DNS-label rules so it
/// can be a sub-domain: 1 to 63 characters of <c>a-z</c>, <c>0-9</c> and <c>-</c>, neither starting nor ending with
/// a hyphen. Upper case is folded to lower case; an internationalised name (<c>bücher</c>) becomes its punycode
/// form (<c>xn--bcher-kva</c>); anything else is refused with an <see cref="InvalidTenantIdentifierException"/>.
/// </summary>
/// <remarks>
/// Look-alikes are refused here, for every strategy and every store: a non-ASCII letter that folds to an ASCII one
/// (the Kelvin sign), characters IDNA would drop or change, and a label that mixes scripts beyond Unicode TR #39's
/// "highly restrictive" level (<c>аcme</c> with a Cyrillic <c>а</c>), whether typed in Unicode or as <c>xn--</c>
/// punycode. Whether internationalised identifiers may be created at all, reserved identifiers, and whole-script
/// look-alikes of existing tenants are the catalog's policy (<see cref="TenantIdentifierOptions"/>), checked when a
/// tenant is created or renamed.
/// </remarks>
public static class TenantIdentifier
{
    /// <summary>The longest identifier allowed: 63 characters, the limit of a DNS label.</summary>
    public const int MaxLength = 63;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>Validates <paramref name="value"/> and returns its normal form (lower case ASCII).</summary>
    /// <param name="value">The identifier as given.</param>
    /// <returns>The normalised identifier.</returns>
    /// <exception cref="InvalidTenantIdentifierException">The value is not a valid identifier.</exception>
    public static string Normalize(string? value)
    {
        if (TryNormalize(value, out var normalized, out var error))
        {
            return normalized;
        }

        throw new InvalidTenantIdentifierException(ToDisplay(value), error);
    }

    /// <summary>Validates <paramref name="value"/> and returns its normal form, or <see langword="false"/>.</summary>
    /// <param name="value">The identifier as given.</param>
    /// <param name="normalized">The normalised identifier when valid.</param>
    /// <returns><see langword="true"/> when the value is a valid identifier.</returns>
    public static bool TryNormalize(string? value, [NotNullWhen(true)] out string? normalized)
        => TryNormalize(value, out normalized, out _);

    /// <summary>
    /// Tells whether <paramref name="value"/> is a valid identifier in any letter case, without allocating. This is the
    /// check resolution runs on every request before a lookup; it does not accept Unicode (callers map IDN first).
    /// </summary>
    /// <param name="value">The candidate identifier.</param>
    /// <returns><see langword="true"/> when the value, folded to lower case, is a valid identifier.</returns>
    public static bool IsValid(ReadOnlySpan<char> value) => GetError(value) is null;

    /// <summary>Tells whether <paramref name="value"/> is already in normal form (valid and lower case).</summary>
    /// <param name="value">The candidate identifier.</param>
    /// <returns><see langword="true"/> when the value is valid and contains no upper-case letter.</returns>
    internal static bool IsNormalized(ReadOnlySpan<char> value)
        => GetError(value) is null && !value.ContainsAnyInRange('A', 'Z');

    internal static bool TryNormalize(string? value, [NotNullWhen(true)] out string? normalized, out string error)
    {
        normalized = null;
        if (value is null)
        {
            error = "it is missing.";
            return false;
        }

        var candidate = value;
        if (!Ascii.IsValid(candidate))
        {
            // An internationalised label: map it to its ASCII (punycode) form with the IDNA rules, then validate that.
            if (candidate.Length > 4 * MaxLength)
            {
                error = $"it is longer than {MaxLength} characters.";
                return false;
            }

            // Only letters, marks, digits and '-' may appear, and the name must survive the IDNA round trip unchanged:
            // characters IDNA would silently drop or remap (zero-width spaces, BOM, compatibility forms) are refused,
            // so two different inputs can never land on one tenant.
            foreach (var rune in candidate.EnumerateRunes())
            {
                var category = Rune.GetUnicodeCategory(rune);
                if (rune.Value != '-' && category is not (UnicodeCategory.LowercaseLetter or UnicodeCategory.UppercaseLetter
                    or UnicodeCategory.OtherLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.NonSpacingMark
                    or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.DecimalDigitNumber))
                {
                    error = "it contains characters that are not allowed (only letters, digits and '-').";
                    return false;
                }

                if (rune.Value > 127 && Rune.ToLowerInvariant(rune).Value <= 127)
                {
                    error = "it contains a non-ASCII look-alike of an ASCII letter.";
                    return false;
                }
            }

            try
            {
                var lowered = candidate.ToLowerInvariant().Normalize(NormalizationForm.FormC);
                candidate = Idn.GetAscii(lowered);
                if (!string.Equals(Idn.GetUnicode(candidate), lowered, StringComparison.Ordinal))
                {
                    error = "it is not in the canonical internationalised form (it contains characters IDNA would change or drop).";
                    return false;
                }

                if (IdentifierScripts.GetRestrictionError(lowered) is { } mixed)
                {
                    error = mixed;
                    return false;
                }
            }
            catch (ArgumentException)
            {
                error = "it is not a valid internationalised name.";
                return false;
            }
        }

        var problem = GetError(candidate);
        if (problem is not null)
        {
            error = problem;
            return false;
        }

        normalized = candidate.AsSpan().ContainsAnyInRange('A', 'Z') ? candidate.ToLowerInvariant() : candidate;
        if (normalized.StartsWith("xn--", StringComparison.Ordinal))
        {
            // A label typed in punycode gets the checks its Unicode form would get.
            var unicode = ToUnicodeOrNull(normalized);
            var punycodeProblem = unicode is null ? "it starts with 'xn--' but is not valid punycode."
                : HasAsciiLookAlike(unicode) ? "it contains a non-ASCII look-alike of an ASCII letter."
                : IdentifierScripts.GetRestrictionError(unicode);
            if (punycodeProblem is not null)
            {
                normalized = null;
                error = punycodeProblem;
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    /// <summary>The Unicode form of a punycode label, or <see langword="null"/> when it is not the exact encoding of one.</summary>
    internal static string? ToUnicodeOrNull(string label)
    {
        try
        {
            var unicode = Idn.GetUnicode(label);
            return string.Equals(Idn.GetAscii(unicode), label, StringComparison.Ordinal) ? unicode : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool HasAsciiLookAlike(string unicode)
    {
        foreach (var rune in unicode.EnumerateRunes())
        {
            if (rune.Value > 127 && Rune.ToLowerInvariant(rune).Value <= 127)
            {
                return true;
            }
        }

        return false;
    }

    internal static string? GetError(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return "it is empty.";
        }

        if (value.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters.";
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return c switch
                {
                    '.' => "it contains '.'; an identifier is a single DNS label.",
                    _ when char.IsWhiteSpace(c) => "it contains white space.",
                    _ when char.IsControl(c) => "it contains a control character.",
                    _ => "it contains characters that are not allowed (only a-z, 0-9 and '-').",
                };
            }
        }

        if (value[0] == '-' || value[^1] == '-')
        {
            return "it starts or ends with '-'.";
        }

        return null;
    }

    /// <summary>Makes any input safe to print in an error: control characters escaped, at most 80 characters.</summary>
    internal static string ToDisplay(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        var builder = new StringBuilder(Math.Min(value.Length, 80) + 8);
        foreach (var c in value)
        {
            if (builder.Length >= 80)
            {
                builder.Append('…');
                break;
            }

            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u200b' or '\ufeff')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
