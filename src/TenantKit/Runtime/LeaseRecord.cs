namespace TenantKit.Runtime;

/// <summary>
/// What a <see cref="TenantLease"/> points to: a reusable record of one claim on a generation, with a version that
/// moves on when the claim is released, so only the copy of the lease holding the current version can release it (the
/// pattern of <see cref="System.Threading.Tasks.Sources.IValueTaskSource"/>). Records are reused, never allocated per
/// lease: each generation has two primary records (their versions live in the generation's state word, see
/// <see cref="GenerationLifecycle"/>) and, for more concurrent leases, spares (<see cref="LeaseRecordPool"/>).
/// </summary>
internal sealed class LeaseRecord
{
    // 0 or 1 for the generation's primary records, -1 for a spare.
    private readonly int _primary;

    // Spare records only: even while free, odd while claimed; a claim's token is the odd value it set.
    private long _version;

    public LeaseRecord(TenantGeneration generation, int primary)
    {
        Generation = generation;
        _primary = primary;
    }

    public TenantGeneration Generation { get; }

    /// <summary>Claims a free spare record; its token is the version the claim set.</summary>
    public bool TryClaim(out long token)
    {
        var version = Volatile.Read(ref _version);
        if ((version & 1) == 0 && Interlocked.CompareExchange(ref _version, version + 1, version) == version)
        {
            token = version + 1;
            return true;
        }

        token = 0;
        return false;
    }

    /// <summary>
    /// Releases the claim <paramref name="token"/> names, once. A token already released (a lease disposed twice, or a
    /// second copy of it disposed) no longer matches the version: it releases nothing, whoever holds the record now,
    /// and throws <see cref="InvalidOperationException"/> at the misuse site.
    /// </summary>
    public void Release(long token)
    {
        var released = _primary >= 0
            ? Generation.TryReleasePrimary(_primary, (uint)token)
            : Interlocked.CompareExchange(ref _version, token + 1, token) == token;
        if (!released)
        {
            throw ReleasedTwice();
        }

        if (_primary < 0)
        {
            Generation.ReleaseSpare();
        }
    }

    private InvalidOperationException ReleasedTwice()
        => new($"A lease on tenant '{Generation.Tenant.Identifier}' was released more than once (disposed twice, or a copy of it disposed). The second release did nothing.");
}
