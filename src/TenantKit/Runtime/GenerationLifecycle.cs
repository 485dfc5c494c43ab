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
/// The word: bits 0-23 count the leases out; bit 24 says the generation's first lease record (the one a lone caller
/// always gets, so the warm path takes and releases a lease with one compare-and-swap each) is out; bits 25-27 hold
/// the state; bits 32-63 hold that record's version, bumped on each release so a stale copy of a lease cannot release
/// the claim of whoever holds the record next (a copy would have to wait 2^32 leases for its version to come back).
/// </para>
/// <para>A mutable struct, held as a field of <see cref="TenantGeneration"/> (never copied).</para>
/// </remarks>
internal struct GenerationLifecycle
{
    /// <summary>The most leases one generation can have out at once.</summary>
    public const int MaxLeases = (1 << 24) - 1;

    private const long CountMask = MaxLeases;
    private const long PrimaryBusy = 1L << 24;
    private const int StateShift = 25;
    private const long StateMask = 7L << StateShift;
    private const int VersionShift = 32;

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
    /// Takes a lease if the generation is Active. <paramref name="primary"/> tells whether the caller got the first
    /// lease record (then <paramref name="token"/> is its version) or must take a spare record.
    /// </summary>
    public bool TryAcquire(out bool primary, out uint token)
    {
        var word = Volatile.Read(ref _word);
        while (StateOf(word) == TenantGenerationState.Active)
        {
            if ((word & CountMask) == CountMask)
            {
                throw new InvalidOperationException($"A tenant generation cannot have more than {MaxLeases} leases out.");
            }

            var isFree = (word & PrimaryBusy) == 0;
            var next = isFree ? word + 1 + PrimaryBusy : word + 1;
            var seen = Interlocked.CompareExchange(ref _word, next, word);
            if (seen == word)
            {
                primary = isFree;
                token = (uint)(word >> VersionShift);
                return true;
            }

            word = seen;
        }

        primary = false;
        token = 0;
        return false;
    }

    /// <summary>
    /// Releases the first lease record's claim if <paramref name="token"/> is its current version; a stale token (the
    /// claim was already released, by this copy of the lease or another) changes nothing and returns <see langword="false"/>.
    /// </summary>
    public bool TryReleasePrimary(uint token, out bool leasesGone)
    {
        var word = Volatile.Read(ref _word);
        while ((word & PrimaryBusy) != 0 && (uint)(word >> VersionShift) == token)
        {
            // One lease fewer, the record free, its version moved on: stale copies of the lease no longer match.
            var next = ((long)(token + 1) << VersionShift) | (word & StateMask) | ((word & CountMask) - 1);
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

    private static bool LeasesGone(long word) => (word & (CountMask | StateMask)) == Pack(TenantGenerationState.Draining, 0);

    private static TenantGenerationState StateOf(long word) => (TenantGenerationState)((word & StateMask) >> StateShift);

    private static long With(long word, TenantGenerationState state) => (word & ~StateMask) | ((long)state << StateShift);

    private static long Pack(TenantGenerationState state, int leases) => ((long)state << StateShift) | (uint)leases;
}
