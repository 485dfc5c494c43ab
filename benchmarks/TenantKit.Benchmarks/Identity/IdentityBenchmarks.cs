using BenchmarkDotNet.Attributes;

namespace TenantKit.Benchmarks.Identity;

/// <summary>
/// A password sign-in (<c>SignInManager.PasswordSignInAsync</c>: find the user, verify the hash, make the principal,
/// write Identity's cookie), TenantKit Identity at tenant acme against a plain single-tenant Identity app
/// (<see cref="IdentityApps"/>). With Identity's default 100,000 PBKDF2 iterations the hash is nearly all of it; with one
/// iteration what is left is what TenantKit could add (tenant resolution, the tenant's container and data protection,
/// the tenant claim, the filtered query). Target: within 5 % of the plain app.
/// </summary>
[MemoryDiagnoser]
public class IdentitySignInBenchmarks
{
    private IdentityApps _apps = null!;

    /// <summary>PBKDF2 iterations of the password hash (1: TenantKit's share shows; 100,000: Identity's default).</summary>
    [Params(1, 100_000)]
    public int HashIterations { get; set; }

    [GlobalSetup]
    public async Task SetupAsync() => _apps = await IdentityApps.StartAsync(HashIterations);

    [GlobalCleanup]
    public async Task CleanupAsync() => await _apps.DisposeAsync();

    [Benchmark(Baseline = true)]
    public Task<int> PlainIdentity() => IdentityApps.SignInOnceAsync(_apps.Plain, "localhost");

    [Benchmark]
    public Task<int> TenantKitIdentity() => IdentityApps.SignInOnceAsync(_apps.TenantKit, "acme.example.com");
}

/// <summary>
/// A request authenticated by Identity's cookie (decrypt with the tenant's data protection, the tenant-claim check,
/// the principal), TenantKit Identity at tenant acme against a plain single-tenant Identity app. The security stamp is
/// validated every 30 minutes, not per request, in both. Target: within 5 % of the plain app.
/// </summary>
[MemoryDiagnoser]
public class IdentityCookieBenchmarks
{
    private IdentityApps _apps = null!;

    [GlobalSetup]
    public async Task SetupAsync() => _apps = await IdentityApps.StartAsync(hashIterations: 1);

    [GlobalCleanup]
    public async Task CleanupAsync() => await _apps.DisposeAsync();

    [Benchmark(Baseline = true)]
    public Task<int> PlainIdentity() => IdentityApps.MeOnceAsync(_apps.Plain, "localhost", _apps.PlainCookie);

    [Benchmark]
    public Task<int> TenantKitIdentity() => IdentityApps.MeOnceAsync(_apps.TenantKit, "acme.example.com", _apps.TenantKitCookie);
}
