using System.Text;

namespace TenantKit.AspNetCore.Resolution;

/// <summary>Helpers strategies share to turn request text into an identifier candidate.</summary>
internal static class IdentifierText
{
    /// <summary>
    /// A value no identifier can equal, answered for input that is present but malformed (two headers, a bad host):
    /// resolution then refuses the request as an invalid identifier instead of treating it as a request for the host.
    /// </summary>
    public static readonly ReadOnlyMemory<char> Malformed = "\0".AsMemory();

    /// <summary>
    /// Returns <paramref name="value"/> itself when it is ASCII (no allocation); otherwise its punycode form when it is an
    /// exact internationalised label (<c>bücher</c> → <c>xn--bcher-kva</c>), or <see cref="Malformed"/>.
    /// </summary>
    public static ReadOnlyMemory<char> Prepare(ReadOnlyMemory<char> value)
    {
        if (value.IsEmpty || Ascii.IsValid(value.Span))
        {
            return value;
        }

        return TenantIdentifier.TryNormalize(value.ToString(), out var normalized) ? normalized.AsMemory() : Malformed;
    }

    /// <summary>
    /// The one string of a header value, for <see cref="TenantKit.Resolution.ITenantSourceStrategy{TContext}.GetSource"/>:
    /// empty when absent, <see langword="null"/> when repeated (the strategy then answers <see cref="Malformed"/>).
    /// </summary>
    public static string? Source(Microsoft.Extensions.Primitives.StringValues values)
    {
        return values.Count switch
        {
            0 => string.Empty,
            1 => values[0] ?? string.Empty,
            _ => null,
        };
    }

    /// <summary>Reads a single-valued header or query value: empty when absent, <see cref="Malformed"/> when repeated.</summary>
    public static ReadOnlyMemory<char> Single(Microsoft.Extensions.Primitives.StringValues values)
    {
        return values.Count switch
        {
            0 => default,
            1 => Prepare(values[0].AsMemory()),
            _ => Malformed,
        };
    }
}
