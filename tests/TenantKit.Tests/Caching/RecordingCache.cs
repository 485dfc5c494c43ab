using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace TenantKit.Tests.Caching;

/// <summary>
/// A real (if simple) in-memory distributed cache that records every call with the key it was given, and counts its
/// disposals: what the host registers, so tests can see the keys tenants' views send it. Expiry is not modelled.
/// </summary>
internal class RecordingCache : IDistributedCache, IDisposable
{
    private readonly ConcurrentQueue<(string Operation, string Key)> _calls = new();
    private int _disposals;

    public ConcurrentDictionary<string, byte[]> Entries { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<(string Operation, string Key)> Calls => [.. _calls];

    public int Disposals => Volatile.Read(ref _disposals);

    public byte[]? Get(string key)
    {
        Record(nameof(Get), key);
        return Entries.TryGetValue(key, out var value) ? value : null;
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        Record(nameof(GetAsync), key);
        return Task.FromResult(Entries.TryGetValue(key, out var value) ? value : null);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        Record(nameof(Set), key);
        Entries[key] = value;
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Record(nameof(SetAsync), key);
        Entries[key] = value;
        return Task.CompletedTask;
    }

    public void Refresh(string key) => Record(nameof(Refresh), key);

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        Record(nameof(RefreshAsync), key);
        return Task.CompletedTask;
    }

    public void Remove(string key)
    {
        Record(nameof(Remove), key);
        Entries.TryRemove(key, out _);
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Record(nameof(RemoveAsync), key);
        Entries.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public void Dispose() => Interlocked.Increment(ref _disposals);

    protected void Record(string operation, string key) => _calls.Enqueue((operation, key));
}

/// <summary>A <see cref="RecordingCache"/> that also offers the buffer API (as Redis does), recorded as <c>Buffer...</c>.</summary>
internal sealed class RecordingBufferCache : RecordingCache, IBufferDistributedCache
{
    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        Record("BufferTryGet", key);
        return Copy(key, destination);
    }

    public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        Record("BufferTryGetAsync", key);
        return new ValueTask<bool>(Copy(key, destination));
    }

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        Record("BufferSet", key);
        Entries[key] = value.ToArray();
    }

    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Record("BufferSetAsync", key);
        Entries[key] = value.ToArray();
        return ValueTask.CompletedTask;
    }

    private bool Copy(string key, IBufferWriter<byte> destination)
    {
        if (!Entries.TryGetValue(key, out var value))
        {
            return false;
        }

        destination.Write(value);
        return true;
    }
}
