using System.Diagnostics;
using System.Globalization;

namespace TenantKit.Benchmarks.Identity;

/// <summary>
/// The same comparisons as <see cref="IdentitySignInBenchmarks"/> and <see cref="IdentityCookieBenchmarks"/>, measured
/// interleaved for a shared, noisy machine: each round times a block of the plain app and a block of TenantKit back to
/// back (the order alternating from round to round), and the report gives the median of the per-round ratios with its
/// quartiles, so load that comes and goes hits both sides of a ratio alike.
/// </summary>
public static class InterleavedIdentityReport
{
    public static async Task RunAsync(int rounds)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Interleaved, {rounds} rounds, {Environment.ProcessorCount} cores, .NET {Environment.Version}"));
        Console.WriteLine("| Measure | Plain Identity (median) | TenantKit Identity (median) | Ratio: median [p25, p75] |");
        Console.WriteLine("|---|---:|---:|---|");
        await using (var cheap = await IdentityApps.StartAsync(hashIterations: 1))
        {
            await CompareAsync("Cookie validation per request", rounds, 2_000,
                () => IdentityApps.MeOnceAsync(cheap.Plain, "localhost", cheap.PlainCookie),
                () => IdentityApps.MeOnceAsync(cheap.TenantKit, "acme.example.com", cheap.TenantKitCookie));
            await CompareAsync("Find the user by name (a request, one query)", rounds, 1_000,
                () => IdentityApps.FindOnceAsync(cheap.Plain, "localhost"),
                () => IdentityApps.FindOnceAsync(cheap.TenantKit, "acme.example.com"));
            await CompareAsync("Password sign-in, 1 PBKDF2 iteration", rounds, 500,
                () => IdentityApps.SignInOnceAsync(cheap.Plain, "localhost"),
                () => IdentityApps.SignInOnceAsync(cheap.TenantKit, "acme.example.com"));
        }

        await using var real = await IdentityApps.StartAsync(hashIterations: 100_000);
        await CompareAsync("Password sign-in, 100,000 iterations (Identity's default)", rounds, 5,
            () => IdentityApps.SignInOnceAsync(real.Plain, "localhost"),
            () => IdentityApps.SignInOnceAsync(real.TenantKit, "acme.example.com"));
    }

    private static async Task CompareAsync(string name, int rounds, int operations, Func<Task<int>> plain, Func<Task<int>> tenantKit)
    {
        // Warm-up: JIT, pools, caches, the tenant's container.
        await TimeAsync(plain, operations);
        await TimeAsync(tenantKit, operations);
        var plainTimes = new double[rounds];
        var tenantKitTimes = new double[rounds];
        var ratios = new double[rounds];
        for (var round = 0; round < rounds; round++)
        {
            if (round % 2 == 0)
            {
                plainTimes[round] = await TimeAsync(plain, operations);
                tenantKitTimes[round] = await TimeAsync(tenantKit, operations);
            }
            else
            {
                tenantKitTimes[round] = await TimeAsync(tenantKit, operations);
                plainTimes[round] = await TimeAsync(plain, operations);
            }

            ratios[round] = tenantKitTimes[round] / plainTimes[round];
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {Format(Quantile(plainTimes, 0.5))} | {Format(Quantile(tenantKitTimes, 0.5))} | {Quantile(ratios, 0.5):0.000} [{Quantile(ratios, 0.25):0.000}, {Quantile(ratios, 0.75):0.000}] |"));
    }

    /// <summary>Mean time of one operation over a block, in microseconds.</summary>
    private static async Task<double> TimeAsync(Func<Task<int>> operation, int count)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            if (await operation() != 200)
            {
                throw new InvalidOperationException("An operation failed.");
            }
        }

        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / count;
    }

    private static double Quantile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = (sorted.Length - 1) * q;
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }

    private static string Format(double microseconds)
        => microseconds >= 1000 ? string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1000:0.00} ms") : string.Create(CultureInfo.InvariantCulture, $"{microseconds:0.0} µs");
}
