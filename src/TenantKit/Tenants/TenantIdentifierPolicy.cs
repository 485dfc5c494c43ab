using Microsoft.Extensions.Options;

namespace TenantKit;

/// <summary>
/// The catalog's rules for a new or renamed identifier, on top of <see cref="TenantIdentifier"/>'s syntax: not
/// reserved, internationalised only when allowed, and no look-alike of another tenant's identifier.
/// </summary>
internal sealed class TenantIdentifierPolicy(IOptions<TenantIdentifierOptions> options)
{
    private readonly TenantIdentifierOptions _options = options.Value;

    /// <summary>Throws <see cref="TenantValidationException"/> when <paramref name="tenant"/>'s identifier may not be given.</summary>
    /// <param name="tenant">The tenant as it would be saved.</param>
    /// <param name="store">The store, to compare with the identifiers that exist.</param>
    /// <param name="cancellationToken">Cancels the lookups.</param>
    public async ValueTask EnsureAllowedAsync(TenantInfo tenant, ITenantStore store, CancellationToken cancellationToken)
    {
        var identifier = tenant.Identifier;
        if (_options.Reserved.Contains(identifier))
        {
            throw new TenantValidationException("identifier", $"'{identifier}' is reserved; choose another identifier.");
        }

        var unicode = identifier.StartsWith("xn--", StringComparison.Ordinal) ? TenantIdentifier.ToUnicodeOrNull(identifier) : null;
        if (unicode is not null && !_options.AllowInternationalized)
        {
            throw new TenantValidationException("identifier",
                $"'{identifier}' is an internationalised identifier ('{unicode}'); this catalog accepts ASCII identifiers only (a-z, 0-9 and '-').");
        }

        if (!_options.AllowInternationalized)
        {
            return; // ASCII only: two different ASCII identifiers never look alike beyond what the eye can tell
        }

        // Whole-script look-alikes: compare skeletons with the ASCII tenant the new one imitates, and with every
        // internationalised tenant (few, and only when internationalised identifiers are allowed).
        var skeleton = IdentifierScripts.Skeleton(unicode ?? identifier);
        if (unicode is not null && TenantIdentifier.TryNormalize(skeleton, out var ascii) && ascii != identifier
            && await store.FindByIdentifierAsync(ascii, cancellationToken).ConfigureAwait(false) is { } original
            && original.Id != tenant.Id)
        {
            throw LookAlike(identifier, original.Identifier);
        }

        for (var skip = 0; ; skip += TenantQuery.MaxTake)
        {
            var page = await store.ListAsync(new TenantQuery { Search = "xn--", Take = TenantQuery.MaxTake, Skip = skip }, cancellationToken).ConfigureAwait(false);
            foreach (var other in page.Items)
            {
                if (other.Id != tenant.Id && other.Identifier != identifier && TenantIdentifier.ToUnicodeOrNull(other.Identifier) is { } otherUnicode
                    && string.Equals(IdentifierScripts.Skeleton(otherUnicode), skeleton, StringComparison.Ordinal))
                {
                    throw LookAlike(identifier, other.Identifier);
                }
            }

            if (page.Items.Count < TenantQuery.MaxTake)
            {
                return;
            }
        }
    }

    private static TenantValidationException LookAlike(string identifier, string existing)
        => new("identifier", $"'{identifier}' looks like the existing tenant '{existing}'; choose an identifier that cannot be mistaken for it.");
}
