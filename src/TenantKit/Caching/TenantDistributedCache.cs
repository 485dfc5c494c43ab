using Microsoft.Extensions.Caching.Distributed;

namespace TenantKit.Caching;

/// <summary>
/// A tenant's view of the host's <see cref="IDistributedCache"/>: every key is prefixed with the tenant
/// (<see cref="GetKeyPrefix"/>), so tenants sharing one cache (one Redis, one SQL Server table, one in-process cache)
/// never read, overwrite, refresh or remove each other's entries. Tenant containers register it in place of the
/// host's cache; the host's own code keeps the unprefixed cache.
/// </summary>
/// <remarks>
/// It owns nothing: it never disposes the cache it wraps (the host's, shared by every tenant). When the wrapped cache
/// also implements <see cref="IBufferDistributedCache"/> (Redis does, for HybridCache's zero-copy path),
/// <see cref="Create"/> returns a <see cref="TenantBufferDistributedCache"/>, which keeps it; otherwise the view does
/// not claim it, since HybridCache decides with an <c>is IBufferDistributedCache</c> test.
/// </remarks>
internal class TenantDistributedCache : IDistributedCache
{
    /// <summary>What every tenant key starts with, before the tenant's id.</summary>
    internal const string PrefixStart = "tenant:";

    private readonly IDistributedCache _inner;

    protected TenantDistributedCache(IDistributedCache inner, string prefix)
    {
        _inner = inner;
        Prefix = prefix;
    }

    /// <summary>The prefix of every key this tenant writes: <c>tenant:{id}:</c>.</summary>
    public string Prefix { get; }

    /// <summary>The cache this view prefixes keys for.</summary>
    public IDistributedCache Inner => _inner;

    /// <summary>A view of <paramref name="inner"/> for <paramref name="tenant"/>, buffer-capable exactly when <paramref name="inner"/> is.</summary>
    public static TenantDistributedCache Create(IDistributedCache inner, TenantInfo tenant)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(tenant);
        var prefix = GetKeyPrefix(tenant.Id);
        return inner is IBufferDistributedCache buffers
            ? new TenantBufferDistributedCache(buffers, prefix)
            : new TenantDistributedCache(inner, prefix);
    }

    /// <summary>
    /// The key prefix of the tenant with id <paramref name="tenantId"/>: <c>tenant:</c>, the id, then <c>:</c>.
    /// </summary>
    /// <remarks>
    /// <para>Unambiguous: an id holds only ASCII letters, digits, <c>-</c>, <c>_</c> and <c>.</c> (see
    /// <see cref="TenantInfo"/>), never <c>:</c>, so the first <c>:</c> after <c>tenant:</c> ends the id, and tenant
    /// <c>a</c> with key <c>b:c</c> (<c>tenant:a:b:c</c>) can never meet another tenant's key.</para>
    /// <para>Ids are case-sensitive (<c>Acme</c> and <c>acme</c> are two tenants) while some backends compare keys
    /// without case (a SQL Server table with a case-insensitive collation), so an upper-case letter is written as
    /// <c>!</c> and the letter in lower case: <c>Acme</c> gives <c>tenant:!acme:</c>, <c>acme</c> gives
    /// <c>tenant:acme:</c>. Default ids (GUIDs in lower-case hex) are written as they are.</para>
    /// </remarks>
    public static string GetKeyPrefix(string tenantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        var upper = 0;
        foreach (var c in tenantId)
        {
            if (c is ':' or '!')
            {
                // TenantInfo never allows them; refusing here keeps the prefix unambiguous even if that rule changes.
                throw new ArgumentException($"A tenant id cannot contain '{c}'.", nameof(tenantId));
            }

            if (char.IsAsciiLetterUpper(c))
            {
                upper++;
            }
        }

        return string.Create(PrefixStart.Length + tenantId.Length + upper + 1, tenantId, static (span, id) =>
        {
            PrefixStart.AsSpan().CopyTo(span);
            var at = PrefixStart.Length;
            foreach (var c in id)
            {
                if (char.IsAsciiLetterUpper(c))
                {
                    span[at++] = '!';
                    span[at++] = char.ToLowerInvariant(c);
                }
                else
                {
                    span[at++] = c;
                }
            }

            span[at] = ':';
        });
    }

    /// <inheritdoc />
    public byte[]? Get(string key) => _inner.Get(Prefixed(key));

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => _inner.GetAsync(Prefixed(key), token);

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(Prefixed(key), value, options);

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        => _inner.SetAsync(Prefixed(key), value, options, token);

    /// <inheritdoc />
    public void Refresh(string key) => _inner.Refresh(Prefixed(key));

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(Prefixed(key), token);

    /// <inheritdoc />
    public void Remove(string key) => _inner.Remove(Prefixed(key));

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(Prefixed(key), token);

    /// <summary>The key as the wrapped cache sees it. A null key is refused: it would address the bare prefix.</summary>
    protected string Prefixed(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return string.Concat(Prefix, key);
    }
}
