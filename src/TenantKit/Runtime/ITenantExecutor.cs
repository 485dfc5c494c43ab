namespace TenantKit;

/// <summary>
/// Runs work as a tenant from code that no request carries: background jobs, queue consumers, tools. The work gets
/// a service scope of the tenant's container, the ambient tenant context and a logging scope with the tenant id,
/// and holds a lease so the tenant is not unloaded under it.
/// </summary>
public interface ITenantExecutor
{
    /// <summary>Runs <paramref name="work"/> as the tenant with <paramref name="identifier"/>.</summary>
    /// <param name="identifier">The tenant identifier.</param>
    /// <param name="work">The work; it receives the tenant's scoped services.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes with the work.</returns>
    /// <exception cref="TenantNotFoundException">No tenant has the identifier.</exception>
    /// <exception cref="TenantSuspendedException">The tenant is suspended.</exception>
    /// <exception cref="CrossTenantAccessException">The caller runs as another tenant.</exception>
    Task RunAsync(string identifier, Func<IServiceProvider, CancellationToken, Task> work, CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="work"/> as the tenant with <paramref name="identifier"/> and returns its result.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="identifier">The tenant identifier.</param>
    /// <param name="work">The work; it receives the tenant's scoped services.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The work's result.</returns>
    Task<TResult> RunAsync<TResult>(string identifier, Func<IServiceProvider, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="work"/> once for every active tenant, in parallel up to
    /// <paramref name="maxDegreeOfParallelism"/>. One tenant's failure does not stop the others: failures are
    /// collected in the result. Only the host (or code with no tenant context) may call it.
    /// </summary>
    /// <param name="work">The work; it receives the tenant and its scoped services.</param>
    /// <param name="maxDegreeOfParallelism">How many tenants at once. <value>The default is 4.</value></param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>How many tenants succeeded, and each failure.</returns>
    /// <exception cref="CrossTenantAccessException">The caller runs as a tenant.</exception>
    Task<TenantBatchResult> RunForEachActiveAsync(Func<TenantInfo, IServiceProvider, CancellationToken, Task> work, int maxDegreeOfParallelism = 4, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of <see cref="ITenantExecutor.RunForEachActiveAsync"/>.</summary>
public sealed class TenantBatchResult
{
    internal TenantBatchResult(int succeeded, IReadOnlyDictionary<string, Exception> failures)
    {
        Succeeded = succeeded;
        Failures = failures;
    }

    /// <summary>How many tenants the work completed for.</summary>
    public int Succeeded { get; }

    /// <summary>The tenants it failed for, by identifier, with the error. The run does not throw for them.</summary>
    public IReadOnlyDictionary<string, Exception> Failures { get; }
}
