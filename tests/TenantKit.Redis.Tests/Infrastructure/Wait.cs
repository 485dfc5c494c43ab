using System.Diagnostics;

namespace TenantKit.Redis.Tests.Infrastructure;

/// <summary>Waits for a condition by polling it, bounded: real time is involved (Redis, sockets), sleeps of fixed length are not.</summary>
public static class Wait
{
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"Not within {timeout.TotalSeconds} s: {what}.");
            await Task.Delay(10);
        }

        return clock.Elapsed;
    }

    public static Task<TimeSpan> UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
        => UntilAsync(() => Task.FromResult(condition()), timeout, what);
}
