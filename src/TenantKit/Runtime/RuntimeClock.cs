using TenantKit.Internal;

namespace TenantKit.Runtime;

/// <summary>
/// The runtime's clock for last access, idle time, drains and back-off, in <see cref="TimeProvider.TimestampFrequency"/>
/// units. With the system clock it reads the coarse monotonic tick count (a few nanoseconds, millisecond resolution:
/// plenty for idle timeouts and LRU order) so stamping every lease release stays cheap; with any other provider (a
/// fake clock in tests) it reads the provider.
/// </summary>
internal sealed class RuntimeClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    /// <summary>The coarse clock itself, for generations to stamp their releases without an indirection.</summary>
    public CoarseClock Coarse { get; } = new(time);

    public long Now() => Coarse.Now();

    public long ToTicks(TimeSpan value) => (long)(value.TotalSeconds * Time.TimestampFrequency);

    public TimeSpan Elapsed(long from, long to) => TimeSpan.FromSeconds((to - from) / (double)Time.TimestampFrequency);

    /// <summary>The wall-clock time of a timestamp of this clock.</summary>
    public DateTimeOffset ToUtc(long timestamp) => Time.GetUtcNow() - Elapsed(timestamp, Now());
}
