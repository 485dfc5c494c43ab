using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using TenantKit.Resolution;

namespace TenantKit.AspNetCore.Resolution;

/// <summary>
/// Reads the identifier from the request's host name with templates such as <c>{tenant}.example.com</c>. The port, one
/// trailing dot and letter case are ignored; an internationalised host name is matched in its punycode form. The
/// answer is a slice of the <c>Host</c> header, so an ASCII host allocates nothing.
/// </summary>
internal sealed class HostTenantStrategy : ITenantSourceStrategy<HttpContext>
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    private readonly HostTemplate[] _templates;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _ignored;
    private readonly bool _hasIgnored;

    public HostTenantStrategy(IEnumerable<string> templates, IEnumerable<string>? ignoredIdentifiers = null)
    {
        ArgumentNullException.ThrowIfNull(templates);
        _templates = [.. templates.Select(HostTemplate.Parse)];
        if (_templates.Length == 0)
        {
            throw new ArgumentException("At least one host template is required, such as '{tenant}.example.com'.", nameof(templates));
        }

        var ignored = (ignoredIdentifiers ?? []).Select(TenantIdentifier.Normalize).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _hasIgnored = ignored.Count > 0;
        _ignored = ignored.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(HttpContext context, CancellationToken cancellationToken)
    {
        // The raw header, not HttpRequest.Host: that one decodes punycode to Unicode (allocating, and throwing on
        // malformed punycode such as "xn--.example.com"), where the raw ASCII form is exactly what identifiers hold.
        var host = HostOf(context);
        return new(host.Count switch
        {
            0 => default,
            1 => Match(host[0]),
            _ => IdentifierText.Malformed,
        });
    }

    public string? GetSource(HttpContext context) => IdentifierText.Source(HostOf(context));

    public ReadOnlyMemory<char> Extract(string source) => Match(source);

    /// <summary>
    /// The raw <c>Host</c> header, through the request feature: <c>HttpRequest.Headers</c> goes through a generic
    /// feature lookup, several times slower, on every request.
    /// </summary>
    private static StringValues HostOf(HttpContext context)
        => (context.Features[typeof(IHttpRequestFeature)] is IHttpRequestFeature request ? request.Headers : context.Request.Headers).Host;

    /// <summary>Finds the identifier in a raw <c>Host</c> header value: empty when no template matches.</summary>
    internal ReadOnlyMemory<char> Match(string? host)
    {
        if (string.IsNullOrEmpty(host) || host[0] == '[')
        {
            // No host, or an IPv6 literal: never a tenant's name.
            return default;
        }

        var span = host.AsSpan();
        var end = span.Length;
        var colon = span.IndexOf(':');
        if (colon >= 0)
        {
            if (span[(colon + 1)..].ContainsAnyExcept("0123456789"))
            {
                // Two colons, or a port that is not a number: not a host name.
                return IdentifierText.Malformed;
            }

            end = colon;
        }

        if (end > 0 && span[end - 1] == '.')
        {
            end--;
        }

        if (end == 0)
        {
            return default;
        }

        if (!Ascii.IsValid(span[..end]))
        {
            return MatchInternational(host[..end]);
        }

        return MatchAscii(host.AsMemory(0, end));
    }

    private ReadOnlyMemory<char> MatchAscii(ReadOnlyMemory<char> name)
    {
        var span = name.Span;
        foreach (var template in _templates)
        {
            // Both sides are ASCII here (the name was checked, the template mapped to punycode): ASCII case folding is
            // exact, and much cheaper than the general ignore-case comparison.
            if (span.Length > template.Prefix.Length + template.Suffix.Length
                && Ascii.EqualsIgnoreCase(span[..template.Prefix.Length], template.Prefix)
                && Ascii.EqualsIgnoreCase(span[^template.Suffix.Length..], template.Suffix))
            {
                var identifier = name.Slice(template.Prefix.Length, span.Length - template.Prefix.Length - template.Suffix.Length);
                return _hasIgnored && _ignored.Contains(identifier.Span) ? default : identifier;
            }
        }

        return default;
    }

    private ReadOnlyMemory<char> MatchInternational(string name)
    {
        // The rare path: a host name in Unicode. It is mapped to punycode only if the mapping is exact (no character
        // dropped or folded), so two different host names can never land on one tenant.
        // A letter that folds to ASCII (the Kelvin sign to 'k', the dotted capital I to 'i') is a look-alike: refused
        // before folding, as TenantIdentifier refuses it, so the host strategy agrees with every other strategy.
        foreach (var c in name)
        {
            if (c > 127 && char.ToLowerInvariant(c) <= 127)
            {
                return IdentifierText.Malformed;
            }
        }

        string ascii;
        try
        {
            var lowered = name.ToLowerInvariant().Normalize(NormalizationForm.FormC);
            ascii = Idn.GetAscii(lowered);
            if (!string.Equals(Idn.GetUnicode(ascii), lowered, StringComparison.Ordinal))
            {
                return IdentifierText.Malformed;
            }
        }
        catch (ArgumentException)
        {
            return IdentifierText.Malformed;
        }

        // The tenant label gets TenantIdentifier's look-alike rules (mixed scripts), like an identifier from any other strategy.
        var identifier = MatchAscii(ascii.AsMemory());
        return identifier.IsEmpty || TenantIdentifier.TryNormalize(identifier.ToString(), out _) ? identifier : IdentifierText.Malformed;
    }

    /// <summary>One host template, split around <c>{tenant}</c>.</summary>
    private readonly record struct HostTemplate(string Prefix, string Suffix)
    {
        public static HostTemplate Parse(string template)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(template);
            var value = template.Trim().TrimEnd('.');
            var at = value.IndexOf(TenantPlaceholder.Value, StringComparison.OrdinalIgnoreCase);
            if (at < 0 || value.IndexOf(TenantPlaceholder.Value, at + 1, StringComparison.OrdinalIgnoreCase) >= 0)
            {
                throw new ArgumentException($"The host template '{template}' must contain '{TenantPlaceholder.Value}' exactly once, as in '{{tenant}}.example.com'.", nameof(template));
            }

            var prefix = value[..at];
            var suffix = value[(at + TenantPlaceholder.Value.Length)..];
            if (prefix.Contains('.', StringComparison.Ordinal) || value.IndexOfAny([':', '/', '*', '@', ' ']) >= 0)
            {
                throw new ArgumentException($"The host template '{template}' must be a host name (no scheme, port, path or wildcard) whose first label holds '{TenantPlaceholder.Value}'.", nameof(template));
            }

            if (!Ascii.IsValid(prefix))
            {
                throw new ArgumentException($"The host template '{template}' must be ASCII before '{TenantPlaceholder.Value}'.", nameof(template));
            }

            return new HostTemplate(prefix.ToLowerInvariant(), SuffixToAscii(suffix, template));
        }

        private static string SuffixToAscii(string suffix, string template)
        {
            if (Ascii.IsValid(suffix))
            {
                return suffix.ToLowerInvariant();
            }

            // The part up to the first dot belongs to the tenant's own label and must be ASCII; the labels after it
            // (an internationalised domain) are mapped to punycode, as host names arrive.
            var dot = suffix.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0 || !Ascii.IsValid(suffix.AsSpan(0, dot)))
            {
                throw new ArgumentException($"The host template '{template}' must be ASCII in the label that holds '{TenantPlaceholder.Value}'.", nameof(template));
            }

            try
            {
                return string.Concat(suffix[..(dot + 1)].ToLowerInvariant(), Idn.GetAscii(suffix[(dot + 1)..].ToLowerInvariant()));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"The host template '{template}' is not a valid internationalised host name.", nameof(template), ex);
            }
        }
    }
}
