using BenchmarkDotNet.Running;

// Runs the benchmarks chosen on the command line, such as: --filter '*TenantFilter*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
