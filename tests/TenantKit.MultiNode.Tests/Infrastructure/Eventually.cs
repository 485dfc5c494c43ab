using System.Diagnostics;
using Xunit.Sdk;

namespace TenantKit.MultiNode.Tests.Infrastructure;

/// <summary>
/// Polls a condition until it holds or a deadline passes, instead of sleeping a fixed time: the test takes as long as
/// the system does, and fails with what it saw last when the deadline passes.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Runs <paramref name="probe"/> until it reports done, at most for <paramref name="within"/>; returns how long it
    /// took (from the call). Throws, with the last observation and <paramref name="context"/>, when the deadline passes.
    /// </summary>
    public static async Task<TimeSpan> UntilAsync(string what, TimeSpan within, Func<Task<(bool Done, string Observed)>> probe, Func<string>? context = null)
    {
        var clock = Stopwatch.StartNew();
        var observed = "nothing observed";
        while (true)
        {
            (var done, observed) = await probe();
            if (done)
            {
                return clock.Elapsed;
            }

            if (clock.Elapsed >= within)
            {
                throw new XunitException(
                    $"Not within {within.TotalSeconds:0.###} s ({clock.Elapsed.TotalSeconds:0.###} s elapsed): {what}.\nLast observed:\n{observed}\n{context?.Invoke()}");
            }

            await Task.Delay(Interval);
        }
    }
}
