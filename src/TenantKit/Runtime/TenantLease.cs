using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime;

/// <summary>
/// A counted claim on one generation of a tenant's container: while any lease is out, that generation is never
/// disposed. Dispose it when done (<c>await using var lease = await runtime.AcquireAsync(tenant)</c>).
/// </summary>
/// <remarks>
/// A struct, so taking a lease on a resident tenant allocates nothing. It points to a reused record of the claim and
/// carries the record's version: disposing releases the claim only while that version is current, and moves it on.
/// Disposing a lease twice, or disposing several copies of it, therefore releases its claim exactly once: a later
/// disposal throws <see cref="InvalidOperationException"/> where the mistake is made, and never releases the claim of
/// another holder (who got the record afterwards, with a newer version), so that holder's container is never disposed
/// under it. Reading <see cref="Services"/> after disposal still answers, but the container may be disposed by then.
/// </remarks>
public readonly struct TenantLease : IDisposable, IAsyncDisposable
{
    private readonly LeaseRecord? _record;
    private readonly long _token;

    internal TenantLease(LeaseRecord record, long token)
    {
        _record = record;
        _token = token;
    }

    /// <summary>The tenant, as it was when this generation was built.</summary>
    public TenantInfo Tenant => Generation.Tenant;

    /// <summary>The root of the tenant's container. Resolve scoped services from <see cref="CreateScope"/>.</summary>
    public IServiceProvider Services => Generation.Services;

    /// <summary>The number of the leased generation, from 1.</summary>
    internal long GenerationNumber => Generation.Number;

    /// <summary><see langword="false"/> for a default (empty) lease.</summary>
    internal bool IsValid => _record is not null;

    /// <summary>The generation leased, or <see langword="null"/> for a default lease.</summary>
    internal TenantGeneration? LeasedGeneration => _record?.Generation;

    private TenantGeneration Generation => _record?.Generation ?? throw new InvalidOperationException("This lease is empty: take leases with ITenantRuntime.AcquireAsync.");

    /// <summary>Creates a service scope in the tenant's container.</summary>
    /// <returns>The scope.</returns>
    public IServiceScope CreateScope() => Generation.ScopeFactory.CreateScope();

    /// <summary>Creates an async service scope in the tenant's container.</summary>
    /// <returns>The scope.</returns>
    public AsyncServiceScope CreateAsyncScope() => Generation.ScopeFactory.CreateAsyncScope();

    /// <summary>Releases the lease.</summary>
    /// <exception cref="InvalidOperationException">The lease (this copy or another copy of it) was already disposed; nothing was released.</exception>
    public void Dispose() => _record?.Release(_token);

    /// <summary>Releases the lease.</summary>
    /// <exception cref="InvalidOperationException">The lease (this copy or another copy of it) was already disposed; nothing was released.</exception>
    /// <returns>A completed task: disposal of a drained generation runs in the background.</returns>
    public ValueTask DisposeAsync()
    {
        _record?.Release(_token);
        return ValueTask.CompletedTask;
    }
}
