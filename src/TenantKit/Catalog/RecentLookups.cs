using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TenantKit.Catalog;

/// <summary>
/// Remembers recent answers by the text of the string they were read from (a <c>Host</c> header value). A repeated
/// value, whether the very string object a keep-alive connection hands every request or a new string per request (a
/// proxy's pooled connection, a server that does not reuse header strings), is answered by one hash, one comparison
/// and the checks below, skipping parsing, validation and the catalog's case-insensitive lookup.
/// </summary>
/// <remarks>
/// <para>
/// A fixed table of slots indexed by a keyed hash of the text, overwritten on collision (also between two readers of one
/// text, which only take turns in one slot): bounded and allocation free. Each slot is a sequence lock: a writer makes
/// its sequence odd while it writes, and a reader keeps what it read only if the sequence was even and unchanged around
/// its reads, so no reader ever pairs one writer's key with another writer's answer. Each answer carries the epoch it was
/// found under; the owner passes its current epoch, so any change it makes leaves every earlier answer unused.
/// </para>
/// <para>
/// A slot keeps the first string object remembered for its text: remembering an equal text again writes nothing, so a
/// request's new string is never kept alive by the table (strings retained past a gen-0 collection are what made new
/// strings cost a collection's work per request). The hash key is random per process, so nobody outside can aim many
/// texts at one slot; if they could, they would only turn recalls into ordinary lookups.
/// </para>
/// </remarks>
/// <typeparam name="TValue">The remembered answer.</typeparam>
internal sealed class RecentLookups<TValue>
    where TValue : class
{
    /// <summary>Slots in the table: room for a few thousand distinct host names before overwrites become common.</summary>
    internal const int Size = 2048;

    private static readonly ulong Key = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong))) | 1;

    private readonly Slot[] _slots = new Slot[Size];

    /// <summary>Finds the answer remembered for this text and reader under <paramref name="epoch"/>.</summary>
    public bool TryGet(string source, object reader, long epoch, [NotNullWhen(true)] out TValue? value)
    {
        ref var slot = ref _slots[IndexOf(source)];
        var sequence = Volatile.Read(ref slot.Sequence);
        // Every read below is an acquire, so none can move after the second read of the sequence.
        if ((sequence & 1) == 0
            && SameText(Volatile.Read(ref slot.Source), source)
            && ReferenceEquals(Volatile.Read(ref slot.Reader), reader)
            && Volatile.Read(ref slot.Epoch) == epoch)
        {
            value = Volatile.Read(ref slot.Value);
            if (value is not null && Volatile.Read(ref slot.Sequence) == sequence)
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>Remembers <paramref name="value"/> as the answer for this text and reader under <paramref name="epoch"/>.</summary>
    public void Remember(string source, object reader, TValue value, long epoch)
    {
        ref var slot = ref _slots[IndexOf(source)];
        var sequence = Volatile.Read(ref slot.Sequence);
        if ((sequence & 1) != 0)
        {
            // Another writer holds the slot: skip, remembering is only an optimisation.
            return;
        }

        // Already remembered (a torn read here only costs a write): keep the slot's string, not this request's.
        if (ReferenceEquals(Volatile.Read(ref slot.Value), value)
            && ReferenceEquals(Volatile.Read(ref slot.Reader), reader)
            && Volatile.Read(ref slot.Epoch) == epoch
            && SameText(Volatile.Read(ref slot.Source), source)
            && Volatile.Read(ref slot.Sequence) == sequence)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref slot.Sequence, sequence + 1, sequence) != sequence)
        {
            return;
        }

        // The exchange above is a full fence: these writes cannot become visible before the odd sequence.
        slot.Source = source;
        slot.Reader = reader;
        slot.Epoch = epoch;
        slot.Value = value;
        Volatile.Write(ref slot.Sequence, sequence + 2);
    }

    /// <summary>The string object the slot of <paramref name="text"/> holds for it, if any. For tests.</summary>
    internal string? RememberedSource(string text)
    {
        var source = _slots[IndexOf(text)].Source;
        return SameText(source, text) ? source : null;
    }

    /// <summary>The slot of <paramref name="source"/>'s text. Internal for tests, which need two texts in one slot.</summary>
    internal static int IndexOf(string source)
    {
        // A multiply-xor hash over the text, eight bytes (four characters) at a time: a host name is a few words long.
        var bytes = MemoryMarshal.AsBytes(source.AsSpan());
        var hash = Key ^ (ulong)bytes.Length;
        ref var start = ref MemoryMarshal.GetReference(bytes);
        var i = 0;
        for (; i + sizeof(ulong) <= bytes.Length; i += sizeof(ulong))
        {
            hash = (hash ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))) * 0x9E3779B97F4A7C15;
        }

        for (; i < bytes.Length; i += sizeof(char))
        {
            hash = (hash ^ Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i))) * 0x9E3779B97F4A7C15;
        }

        // A final mix so the low bits the index keeps depend on every byte, not only on each word's low bits.
        hash = (hash ^ (hash >> 29)) * 0xBF58476D1CE4E5B9;
        hash ^= hash >> 32;
        return (int)hash & (Size - 1);
    }

    private static bool SameText(string? remembered, string source)
        => ReferenceEquals(remembered, source) || (remembered is not null && remembered.Length == source.Length
            && remembered.AsSpan().SequenceEqual(source));

    private struct Slot
    {
        public int Sequence;
        public long Epoch;
        public string? Source;
        public object? Reader;
        public TValue? Value;
    }
}
