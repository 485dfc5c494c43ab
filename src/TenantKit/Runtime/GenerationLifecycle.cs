namespace TenantKit.Runtime;

/// <summary>
/// The state machine of one tenant generation, with its lease count and its first lease's claim, in one 64-bit word,
/// so a state change and the leases move together in one atomic operation. Every transition goes through
/// <see cref="EnsureAllowed"/>; an illegal one throws <see cref="InvalidOperationException"/> and changes nothing.
/// </summary>
/// <remarks>
/// <para>The allowed transitions:</para>
/// <code>
/// Building ──► Active ──► Draining ──► Disposed
///    │                       ▲
///    ├───────────────────────┘   (unloaded while building: never served)
///    └──► Failed                 (a start hook or hosted service threw)
/// </code>
/// <para>
/// Failed and Disposed are final. Leases are taken only while Active; a generation leaves Draining for Disposed only
/// when no lease is out. Asking a generation that is already Draining or Disposed to drain is not a transition: it
/// reports that nothing started (an unload racing a reload).
/// </para>
/// <para>
/// The word: bits 0-19 count the leases out; bits 20-21 say which of the generation's two primary lease records are
/// out (a caller that finds one free takes and releases its lease with one compare-and-swap each; the others take
/// spare records); bits 22-24 hold the state; bits 25-43 and 44-62 hold the two primary records' versions (19 bits
/// each), bumped on each release so a stale copy of a lease cannot release the claim of whoever holds the record next;
/// bit 63 is the capacity mark (<see cref="TryDrainOrMarkForCapacity"/>): a generation kept past the capacity because it
/// was leased (or not yet leased by the callers of its build), whose last release must give it back to the capacity rule.
/// A stale copy could only match again after 524,288 further releases of the same record, while it is out (the BCL's
/// <c>ManualResetValueTaskSourceCore</c> makes the same trade with a 16-bit version).
/// </para>
/// <para>A mutable struct, held as a field of <see cref="TenantGeneration"/> (never copied).</para>
/// </remarks>
internal struct GenerationLifecycle
{
    /// <summary>The most leases one generation can have out at once.</summary>
    public const int MaxLeases = (1 << 20) - 1;

    /// <summary>The number of primary lease records (claims carried in the state word itself).</summary>
    public const int PrimaryRecords = 2;

    private const long CountMask = MaxLeases;
    private const int BusyShift = 20;
    private const int StateShift = 22;
    private const long StateMask = 7L << StateShift;
    private const int VersionShift = 25;
    private const int VersionBits = 19;
    private const long VersionMask = (1L << VersionBits) - 1;
    private const long SurplusMark = long.MinValue;

    private long _word;

    public GenerationLifecycle()
    {
        _word = Pack(TenantGenerationState.Building, 0);
    }

    /// <summary>The current state.</summary>
    public TenantGenerationState State => StateOf(Volatile.Read(ref _word));

    /// <summary>The leases out.</summary>
    public int Leases => (int)(Volatile.Read(ref _word) & CountMask);

    /// <summary>Whether the table allows going from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool IsAllowed(TenantGenerationState from, TenantGenerationState to) => (from, to) switch
    {
        (TenantGenerationState.Building, TenantGenerationState.Active) => true,
        (TenantGenerationState.Building, TenantGenerationState.Failed) => true,
        (TenantGenerationState.Building, TenantGenerationState.Draining) => true,
        (TenantGenerationState.Active, TenantGenerationState.Draining) => true,
        (TenantGenerationState.Draining, TenantGenerationState.Disposed) => true,
        _ => false,
    };

    /// <summary>Building to Active: the generation starts serving.</summary>
    public void Activate() => MoveTo(TenantGenerationState.Active);

    /// <summary>Building to Failed: the build failed after the generation was made.</summary>
    public void Fail() => MoveTo(TenantGenerationState.Failed);

    /// <summary>
    /// Takes a lease if the generation is Active. <paramref name="primary"/> is the primary record the caller got (then
    /// <paramref name="token"/> is its version), or -1 when both are out and the caller must take a spare record.
    /// </summary>
    public bool TryAcquire(out int primary, out uint token)
    {
        var word = Volatile.Read(ref _word);
        while (StateOf(word) == TenantGenerationState.Active)
        {
            if ((word & CountMask) == CountMask)
            {
                throw new InvalidOperationException($"A tenant generation cannot have more than {MaxLeases} leases out.");
            }

            var free = (word & Busy(0)) == 0 ? 0 : (word & Busy(1)) == 0 ? 1 : -1;
            var next = free < 0 ? word + 1 : (word + 1) | Busy(free);
            var seen = Interlocked.CompareExchange(ref _word, next, word);
            if (seen == word)
            {
                primary = free;
                token = free < 0 ? 0 : VersionOf(word, free);
                return true;
            }

            word = seen;
        }

        primary = -1;
        token = 0;
        return false;
    }

    /// <summary>
    /// Releases primary record <paramref name="primary"/>'s claim if <paramref name="token"/> is its current version; a
    /// stale token (the claim was already released, by this copy of the lease or another) changes nothing and returns
    /// <see langword="false"/>.
    /// </summary>
    public bool TryReleasePrimary(int primary, uint token, out bool leasesGone)
    {
        var busy = Busy(primary);
        var shift = VersionShift + (primary * VersionBits);
        var word = Volatile.Read(ref _word);
        while ((word & busy) != 0 && VersionOf(word, primary) == token)
        {
            // One lease fewer (the count is at least one: this claim), the record free, its version moved on: stale
            // copies of the lease no longer match.
            var next = ((word & ~busy & ~(VersionMask << shift)) | (((token + 1) & VersionMask) << shift)) - 1;
            var seen = Interlocked.CompareExchange(ref _word, next, word);
            if (seen == word)
            {
                leasesGone = LeasesGone(next);
                return true;
            }

            word = seen;
        }

        leasesGone = false;
        return false;
    }

    /// <summary>Releases a lease held on a spare record (which checked its own version first).</summary>
    public void ReleaseSpare(out bool leasesGone)
    {
        var word = Volatile.Read(ref _word);
        while (true)
        {
            if ((word & CountMask) == 0)
            {
                throw new InvalidOperationException("A tenant generation's lease count would fall below zero.");
            }

            var seen = Interlocked.CompareExchange(ref _word, word - 1, word);
            if (seen == word)
            {
                leasesGone = LeasesGone(word - 1);
                return;
            }

            word = seen;
        }
    }

    /// <summary>
    /// Building or Active to Draining, whatever the leases. Returns <see langword="false"/> when the generation was
    /// already Draining or Disposed (nothing started); throws when it Failed.
    /// </summary>
    public bool TryBeginDrain(out int leasesOut)
    {
        var word = Volatile.Read(ref _word);
        while (true)
        {
            var from = StateOf(word);
            if (from is TenantGenerationState.Draining or TenantGenerationState.Disposed)
            {
                leasesOut = 0;
                return false;
            }

            EnsureAllowed(from, TenantGenerationState.Draining);
            var seen = Interlocked.CompareExchange(ref _word, With(word, TenantGenerationState.Draining), word);
            if (seen == word)
            {
                leasesOut = (int)(word & CountMask);
                return true;
            }

            word = seen;
        }
    }

    /// <summary>Active to Draining only if no lease is out (idle and capacity unloads).</summary>
    public bool TryBeginDrainIfUnleased()
    {
        var word = Volatile.Read(ref _word);
        while (StateOf(word) == TenantGenerationState.Active && (word & CountMask) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _word, With(word, TenantGenerationState.Draining), word);
            if (seen == word)
            {
                return true;
            }

            word = seen;
        }

        return false;
    }

    /// <summary>
    /// The capacity rule's move, in one atomic step: an Active generation with no lease out, leased before, starts
    /// draining (<see cref="CapacityVerdict.Drained"/>); one with a lease out, or never leased yet (its build's callers
    /// are about to take theirs), is kept, and when <paramref name="mark"/> is set it is marked, so that its last release
    /// reports it (<see cref="CapacityVerdict.Kept"/>). Anything else is <see cref="CapacityVerdict.NotServing"/>.
    /// </summary>
    public CapacityVerdict TryDrainOrMarkForCapacity(bool mark)
    {
        var word = Volatile.Read(ref _word);
        while (StateOf(word) == TenantGenerationState.Active)
        {
            long next;
            CapacityVerdict verdict;
            if ((word & CountMask) == 0 && !IsFresh(word))
            {
                next = With(word, TenantGenerationState.Draining) & ~SurplusMark;
                verdict = CapacityVerdict.Drained;
            }
            else if (!mark || word < 0)
            {
                return CapacityVerdict.Kept;
            }
            else
            {
                next = word | SurplusMark;
                verdict = CapacityVerdict.Kept;
            }

            var seen = Interlocked.CompareExchange(ref _word, next, word);
            if (seen == word)
            {
                return verdict;
            }

            word = seen;
        }

        return CapacityVerdict.NotServing;
    }

    /// <summary>Whether the capacity rule marked the generation (see <see cref="TryDrainOrMarkForCapacity"/>).</summary>
    public bool IsMarkedForCapacity => Volatile.Read(ref _word) < 0;

    /// <summary>Removes the capacity mark: the runtime is back under its capacity.</summary>
    public void ClearCapacityMark()
    {
        var word = Volatile.Read(ref _word);
        while (word < 0)
        {
            var seen = Interlocked.CompareExchange(ref _word, word & ~SurplusMark, word);
            if (seen == word)
            {
                return;
            }

            word = seen;
        }
    }

    /// <summary>Draining to Disposed, once no lease is out.</summary>
    public void MarkDisposed()
    {
        if (Leases != 0)
        {
            throw new InvalidOperationException($"A tenant generation cannot be disposed with {Leases} lease(s) out.");
        }

        MoveTo(TenantGenerationState.Disposed);
    }

    /// <summary>The one place a transition is judged: throws when the table does not allow it.</summary>
    public static void EnsureAllowed(TenantGenerationState from, TenantGenerationState to)
    {
        if (!IsAllowed(from, to))
        {
            throw new InvalidOperationException($"A tenant generation cannot go from {from} to {to}.");
        }
    }

    private void MoveTo(TenantGenerationState to)
    {
        var word = Volatile.Read(ref _word);
        while (true)
        {
            EnsureAllowed(StateOf(word), to);
            var seen = Interlocked.CompareExchange(ref _word, With(word, to), word);
            if (seen == word)
            {
                return;
            }

            word = seen;
        }
    }

    private static long Busy(int primary) => 1L << (BusyShift + primary);

    private static uint VersionOf(long word, int primary) => (uint)((word >> (VersionShift + (primary * VersionBits))) & VersionMask);

    /// <summary>
    /// Whether the release that left <paramref name="word"/> was the last lease of a draining generation (its drain may
    /// go on), or of one the capacity rule marked (which must be offered to it again). One test on the common path.
    /// </summary>
    private static bool LeasesGone(long word)
        => (word & CountMask) == 0 && ((word & StateMask) == ((long)TenantGenerationState.Draining << StateShift) || word < 0);

    /// <summary>Never leased: no lease out and both primary records at their first version (a build's callers have not taken theirs yet).</summary>
    private static bool IsFresh(long word) => (word & ~(StateMask | SurplusMark)) == 0;

    private static TenantGenerationState StateOf(long word) => (TenantGenerationState)((word & StateMask) >> StateShift);

    private static long With(long word, TenantGenerationState state) => (word & ~StateMask) | ((long)state << StateShift);

    private static long Pack(TenantGenerationState state, int leases) => ((long)state << StateShift) | (uint)leases;
}
