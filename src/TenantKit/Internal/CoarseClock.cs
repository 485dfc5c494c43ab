namespace TenantKit.Internal;

/// <summary>
/// Timestamps for hot paths (catalog cache hits, lease releases). With the system clock it reads
/// <see cref="Environment.TickCount64"/>, scaled to the provider's timestamp frequency: millisecond resolution, plenty
/// for lifetimes and idle timeouts, and several times cheaper than a high-resolution read on every request. With any
/// other provider (a fake clock in tests) it reads the provider, so time-driven behaviour stays testable.
/// Every timestamp compared with another must come from the same clock.
/// </summary>
internal readonly struct CoarseClock
{
    private readonly long _ticksPerMillisecond;

    public CoarseClock(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        _ticksPerMillisecond = ReferenceEquals(time, TimeProvider.System) ? time.TimestampFrequency / 1000 : 0;
    }

    /// <summary>The provider behind this clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Timestamp ticks per second, as <see cref="TimeProvider.TimestampFrequency"/>.</summary>
    public long Frequency => Time.TimestampFrequency;

    /// <summary>Now, in timestamp ticks.</summary>
    public long Now() => _ticksPerMillisecond != 0 ? Environment.TickCount64 * _ticksPerMillisecond : Time.GetTimestamp();

    /// <summary><paramref name="value"/> in this clock's ticks: 0 for zero or less, saturating at <see cref="long.MaxValue"/>.</summary>
    public long ToTicks(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return 0;
        }

        var ticks = value.TotalSeconds * Frequency;
        return ticks >= long.MaxValue ? long.MaxValue : (long)ticks;
    }

    /// <summary><paramref name="timestamp"/> plus <paramref name="ticks"/>, saturating: <see cref="TimeSpan.MaxValue"/> lifetimes mean "never", not an overflow into the past.</summary>
    public static long Later(long timestamp, long ticks) => ticks > long.MaxValue - timestamp ? long.MaxValue : timestamp + ticks;
}
