namespace TenantKit.Runtime;

/// <summary>
/// The spare lease records of one generation, for leases taken while its primary record is out (concurrent requests).
/// A record is claimed through its own version, so the pool is only an array to scan; it doubles when every record is
/// out, up to <see cref="MaxSize"/>, past which a lease gets a record of its own (allocated, then collected).
/// </summary>
internal sealed class LeaseRecordPool(TenantGeneration generation)
{
    public const int MaxSize = 1024;

    private LeaseRecord[] _records = [];

    /// <summary>Claims a free spare record.</summary>
    public LeaseRecord Rent(out long token)
    {
        while (true)
        {
            var records = Volatile.Read(ref _records);
            var start = Environment.CurrentManagedThreadId;
            for (var i = 0; i < records.Length; i++)
            {
                var record = records[(start + i) & (records.Length - 1)];
                if (record.TryClaim(out token))
                {
                    return record;
                }
            }

            if (records.Length >= MaxSize)
            {
                var own = new LeaseRecord(generation, primary: -1);
                own.TryClaim(out token);
                return own;
            }

            Grow(records);
        }
    }

    private void Grow(LeaseRecord[] current)
    {
        var grown = new LeaseRecord[Math.Max(4, current.Length * 2)];
        current.CopyTo(grown, 0);
        for (var i = current.Length; i < grown.Length; i++)
        {
            grown[i] = new LeaseRecord(generation, primary: -1);
        }

        // A record already handed out stays in the grown array (it was copied), so losing this race loses nothing.
        Interlocked.CompareExchange(ref _records, grown, current);
    }
}
