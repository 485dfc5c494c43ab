using System.Globalization;
using TenantKit.Runtime;

namespace TenantKit.Scale;

/// <summary>What one run does. Every option is <c>--name value</c>; see <see cref="Parse"/>.</summary>
public sealed class ScaleOptions
{
    /// <summary>Tenants in the catalog.</summary>
    public int Tenants { get; set; } = 100_000;

    /// <summary>TenantRuntimeOptions.Capacity: the most tenants resident at once.</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>Concurrent connections (and client workers).</summary>
    public int Connections { get; set; } = 32;

    /// <summary>Seconds of the hot phase: requests spread (Zipf) over the first <see cref="Capacity"/> tenants only, all resident.</summary>
    public double HotSeconds { get; set; } = 30;

    /// <summary>Seconds of the churn phase: requests spread (Zipf) over the whole catalog, so the tail churns through eviction.</summary>
    public double ChurnSeconds { get; set; } = 120;

    /// <summary>Zipf exponent: the tenant of rank k (1-based) is requested with a probability proportional to 1/k^s.</summary>
    public double ZipfExponent { get; set; } = 1.0;

    /// <summary>Where the CSV, SVG and summary go.</summary>
    public string Output { get; set; } = Path.Combine("benchmarks", "results");

    /// <summary>The variants to run, in order: <c>bare</c>, <c>tenantkit</c>.</summary>
    public IReadOnlyList<string> Variants { get; set; } = ["bare", "tenantkit"];

    /// <summary>The server's variant (serve mode only).</summary>
    public string Variant { get; set; } = "tenantkit";

    /// <summary>
    /// Turn off Microsoft.Extensions.DependencyInjection's dynamic engine (the AppContext switch
    /// <c>Microsoft.Extensions.DependencyInjection.DisableDynamicEngine</c>) in the server, for both variants.
    /// </summary>
    public bool DisableDynamicDi { get; set; }

    /// <summary>
    /// The servers' garbage collector, for both variants: <c>false</c> for the workstation GC (the default here, as in
    /// earlier runs), <c>true</c> for the server GC, which ASP.NET Core apps built with the Web SDK use by default.
    /// </summary>
    public bool ServerGc { get; set; }

    /// <summary>
    /// The servers' <c>GCConserveMemory</c> setting (0 to 9; 0, the default, leaves it off), for both variants: how hard
    /// the GC compacts the long-lived heap when it is fragmented. Tenant containers that live for minutes and are then
    /// unloaded fragment it; without compaction the committed memory keeps growing under churn.
    /// </summary>
    public int GcConserveMemory { get; set; }

    /// <summary>
    /// Requests per second the client sends in the hot and churn phases, spread evenly over the connections, or 0 (the
    /// default) to send each connection's next request as soon as the previous one is answered (closed loop: the
    /// servers run saturated, and latency is mostly queueing). At a fixed rate a request's latency counts from when it
    /// was due, so a server that falls behind is charged for the wait (no coordinated omission).
    /// </summary>
    public double Rate { get; set; }

    /// <summary>
    /// Send the load through a YARP reverse proxy (a process of its own, the same for both variants) that forwards it over
    /// its pooled connections to the server, rather than straight to the server.
    /// </summary>
    public bool Proxy { get; set; }

    /// <summary>Seed of the client's tenant sequence.</summary>
    public int Seed { get; set; } = 7;

    /// <summary>Parses <c>--name value</c> pairs; unknown options are an error.</summary>
    public static ScaleOptions Parse(ReadOnlySpan<string> args)
    {
        var options = new ScaleOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"Option {name} needs a value.");
            }

            var value = args[++i];
            switch (name)
            {
                case "--tenants": options.Tenants = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--capacity": options.Capacity = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--connections": options.Connections = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--hot": options.HotSeconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--churn": options.ChurnSeconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--zipf": options.ZipfExponent = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--out": options.Output = value; break;
                case "--variants": options.Variants = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--variant": options.Variant = value; break;
                case "--disable-dynamic-di": options.DisableDynamicDi = bool.Parse(value); break;
                case "--server-gc": options.ServerGc = bool.Parse(value); break;
                case "--gc-conserve-memory": options.GcConserveMemory = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rate": options.Rate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--proxy": options.Proxy = bool.Parse(value); break;
                case "--seed": options.Seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }

        if (options.Rate < 0 || double.IsNaN(options.Rate) || double.IsInfinity(options.Rate))
        {
            throw new ArgumentException("Need --rate >= 0 (0: closed loop).");
        }

        if (options.GcConserveMemory is < 0 or > 9)
        {
            throw new ArgumentException("Need 0 <= --gc-conserve-memory <= 9.");
        }

        if (options.Capacity < 1 || options.Tenants < options.Capacity)
        {
            throw new ArgumentException("Need 1 <= --capacity <= --tenants.");
        }

        return options;
    }

    /// <summary>The server's command line for these options.</summary>
    public IEnumerable<string> ServerArguments(string variant) =>
    [
        "serve", "--variant", variant,
        "--tenants", Tenants.ToString(CultureInfo.InvariantCulture),
        "--capacity", Capacity.ToString(CultureInfo.InvariantCulture),
        "--disable-dynamic-di", DisableDynamicDi ? "true" : "false",
    ];
}
