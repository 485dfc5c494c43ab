using System.Runtime.CompilerServices;

namespace TenantKit.Catalog;

/// <summary>
/// Remembers recent answers by the identity of the string they were read from. Web servers hand a connection the same
/// string object for a repeated header value (Kestrel reuses header strings while their bytes do not change), so a
/// keep-alive connection asks again and again with one string: recognising it by reference skips parsing, validation
/// and hashing. Strings cannot change, so one string object always stands for the same text.
/// </summary>
/// <remarks>
/// A fixed table of slots indexed by the string's identity hash, overwritten on collision (also between two readers of
/// one string object, which only takes turns in one slot):
/// bounded, allocation free. Each slot is a sequence lock: a writer makes its sequence odd while it writes, and a
/// reader keeps what it read only if the sequence was even and unchanged around its reads, so no reader ever pairs one
/// writer's key with another writer's answer. Each answer carries the epoch it was found under; the owner passes its
/// current epoch, so any change it makes leaves every earlier answer unused.
/// </remarks>
/// <typeparam name="TValue">The remembered answer.</typeparam>
internal sealed class RecentLookups<TValue>
    where TValue : class
{
    /// <summary>Slots in the table: room for a few thousand keep-alive connections before overwrites become common.</summary>
    internal const int Size = 2048;

    private readonly Slot[] _slots = new Slot[Size];

    /// <summary>Finds the answer remembered for exactly this string object and reader under <paramref name="epoch"/>.</summary>
    public bool TryGet(string source, object reader, long epoch, [NotNullWhen(true)] out TValue? value)
    {
        ref var slot = ref _slots[IndexOf(source)];
        var sequence = Volatile.Read(ref slot.Sequence);
        // Every read below is an acquire, so none can move after the second read of the sequence.
        if ((sequence & 1) == 0
            && ReferenceEquals(Volatile.Read(ref slot.Source), source)
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

    /// <summary>Remembers <paramref name="value"/> as the answer for this string object and reader under <paramref name="epoch"/>.</summary>
    public void Remember(string source, object reader, TValue value, long epoch)
    {
        ref var slot = ref _slots[IndexOf(source)];
        var sequence = Volatile.Read(ref slot.Sequence);
        if ((sequence & 1) != 0 || Interlocked.CompareExchange(ref slot.Sequence, sequence + 1, sequence) != sequence)
        {
            // Another writer holds the slot: skip, remembering is only an optimisation.
            return;
        }

        // The exchange above is a full fence: these writes cannot become visible before the odd sequence.
        slot.Source = source;
        slot.Reader = reader;
        slot.Epoch = epoch;
        slot.Value = value;
        Volatile.Write(ref slot.Sequence, sequence + 2);
    }

    /// <summary>The slot of <paramref name="source"/>. Internal for tests, which need two strings in one slot.</summary>
    internal static int IndexOf(string source) => RuntimeHelpers.GetHashCode(source) & (Size - 1);

    private struct Slot
    {
        public int Sequence;
        public long Epoch;
        public string? Source;
        public object? Reader;
        public TValue? Value;
    }
}
