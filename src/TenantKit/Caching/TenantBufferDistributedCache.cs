using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;

namespace TenantKit.Caching;

/// <summary>
/// A <see cref="TenantDistributedCache"/> over a cache that also implements <see cref="IBufferDistributedCache"/>:
/// it keeps the buffer API (which HybridCache uses instead of <c>byte[]</c> copies), with the same key prefix.
/// </summary>
internal sealed class TenantBufferDistributedCache : TenantDistributedCache, IBufferDistributedCache
{
    private readonly IBufferDistributedCache _buffers;

    public TenantBufferDistributedCache(IBufferDistributedCache inner, string prefix)
        : base(inner, prefix)
    {
        _buffers = inner;
    }

    /// <inheritdoc />
    public bool TryGet(string key, IBufferWriter<byte> destination) => _buffers.TryGet(Prefixed(key), destination);

    /// <inheritdoc />
    public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
        => _buffers.TryGetAsync(Prefixed(key), destination, token);

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => _buffers.Set(Prefixed(key), value, options);

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
        => _buffers.SetAsync(Prefixed(key), value, options, token);
}
