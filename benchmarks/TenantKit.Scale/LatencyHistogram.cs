using System.Numerics;

namespace TenantKit.Scale;

/// <summary>A lock-free log-linear histogram of latencies in microseconds (32 sub-buckets per power of two, about 3%).</summary>
public sealed class LatencyHistogram
{
    private const int Buckets = 64 + (40 * 32);
    private readonly long[] _counts = new long[Buckets];
    private long _total;

    /// <summary>Requests recorded.</summary>
    public long Count => Interlocked.Read(ref _total);

    /// <summary>Records one latency.</summary>
    public void Record(long microseconds)
    {
        Interlocked.Increment(ref _counts[Index(Math.Max(0, microseconds))]);
        Interlocked.Increment(ref _total);
    }

    /// <summary>The latency at quantile <paramref name="q"/> (0..1), in milliseconds; 0 when empty.</summary>
    public double QuantileMs(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= Math.Max(1, rank))
            {
                return UpperBound(i) / 1000.0;
            }
        }

        return UpperBound(Buckets - 1) / 1000.0;
    }

    private static int Index(long us)
    {
        if (us < 64)
        {
            return (int)us;
        }

        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)us);
        var shift = exponent - 5;
        return Math.Min(Buckets - 1, (shift * 32) + (int)(us >> shift));
    }

    private static long UpperBound(int index)
    {
        if (index < 64)
        {
            return index;
        }

        var shift = (index / 32) - 1;
        var mantissa = index - (shift * 32);
        return ((long)(mantissa + 1) << shift) - 1;
    }
}
