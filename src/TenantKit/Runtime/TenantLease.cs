using Microsoft.Extensions.DependencyInjection;
using TenantKit.Runtime;

namespace TenantKit.Runtime;

/// <summary>
/// A counted claim on one generation of a tenant's container: while any lease is out, that generation is never
/// disposed. Dispose it exactly once (<c>await using var lease = await runtime.AcquireAsync(tenant)</c>); it is a
/// struct so the warm path allocates nothing, which also means a copy must not be disposed a second time.
/// </summary>
public readonly struct TenantLease : IDisposable, IAsyncDisposable
{
    private readonly TenantGeneration? _generation;

    internal TenantLease(TenantGeneration generation)
    {
        _generation = generation;
    }

    /// <summary>The tenant, as it was when this generation was built.</summary>
    public TenantInfo Tenant => Generation.Tenant;

    /// <summary>The root of the tenant's container. Resolve scoped services from <see cref="CreateScope"/>.</summary>
    public IServiceProvider Services => Generation.Services;

    /// <summary>The number of the leased generation, from 1.</summary>
    public long GenerationNumber => Generation.Number;

    /// <summary><see langword="false"/> for a default (empty) lease.</summary>
    public bool IsValid => _generation is not null;

    private TenantGeneration Generation => _generation ?? throw new InvalidOperationException("This lease is empty: take leases with ITenantRuntime.AcquireAsync.");

    /// <summary>Creates a service scope in the tenant's container.</summary>
    /// <returns>The scope.</returns>
    public IServiceScope CreateScope() => Generation.ScopeFactory.CreateScope();

    /// <summary>Creates an async service scope in the tenant's container.</summary>
    /// <returns>The scope.</returns>
    public AsyncServiceScope CreateAsyncScope() => Generation.ScopeFactory.CreateAsyncScope();

    /// <summary>Releases the lease.</summary>
    public void Dispose() => _generation?.Release();

    /// <summary>Releases the lease.</summary>
    /// <returns>A completed task: disposal of a drained generation runs in the background.</returns>
    public ValueTask DisposeAsync()
    {
        _generation?.Release();
        return ValueTask.CompletedTask;
    }
}
