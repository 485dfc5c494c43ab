using BenchmarkDotNet.Running;
using TenantKit.Benchmarks.Runtime;

// dotnet run -c Release --project benchmarks/TenantKit.Benchmarks -- --filter '*'        (BenchmarkDotNet; e.g. --filter '*TenantFilter*' --job short)
// dotnet run -c Release --project benchmarks/TenantKit.Benchmarks -- resident 10000      (memory report)
// dotnet run -c Release --project benchmarks/TenantKit.Benchmarks -- requests 21 200000  (interleaved per-request harness)
if (args.Length > 0 && args[0] == "requests")
{
    TenantKit.Benchmarks.AspNetCore.RequestHarness.Run(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 21,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 200_000);
    return;
}

// dotnet run -c Release --project benchmarks/TenantKit.Benchmarks -- identity 15          (Identity, interleaved ratios)
if (args.Length > 0 && args[0] == "identity")
{
    var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15;
    await TenantKit.Benchmarks.Identity.InterleavedIdentityReport.RunAsync(rounds);
    return;
}

// dotnet run -c Release --project benchmarks/TenantKit.Benchmarks -- coldalloc 20000     (bytes allocated per cold build, by type)
if (args.Length > 0 && args[0] == "coldalloc")
{
    ColdAllocReport.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
    return;
}

if (args.Length > 0 && args[0] == "resident")
{
    var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
    await ResidentMemoryReport.RunAsync(count);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
