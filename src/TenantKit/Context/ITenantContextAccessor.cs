namespace TenantKit;

/// <summary>
/// The ambient tenant context, carried by an <see cref="AsyncLocal{T}"/>: it flows into awaited calls and tasks
/// started from the scope, and a scope begun in a callee never leaks back to its caller.
/// </summary>
public interface ITenantContextAccessor
{
    /// <summary>The current context, or <see langword="null"/> outside any tenant or host scope.</summary>
    TenantContext? Current { get; }

    /// <summary>Runs the following code as <paramref name="tenant"/> until the returned scope is disposed.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="services">The tenant's services, if the code runs inside its container.</param>
    /// <returns>The scope; disposing it restores the context that was current before.</returns>
    TenantScope BeginTenantScope(TenantInfo tenant, IServiceProvider? services = null);

    /// <summary>
    /// Runs the following code as the host until the returned scope is disposed. Logged: host code may act across
    /// tenants. Refused inside a tenant scope, so code serving a tenant can never lift itself to the host.
    /// </summary>
    /// <returns>The scope; disposing it restores the context that was current before.</returns>
    /// <exception cref="CrossTenantAccessException">The current context is a tenant's.</exception>
    TenantScope BeginHostScope();

    /// <summary>
    /// Makes the context of <paramref name="tenant"/> current with no scope to dispose, for a caller that ends it by
    /// restoring its own execution context (as an async method does when it returns, or
    /// <see cref="ExecutionContext.Restore"/>): the web adapter's middleware does, saving an allocation per request.
    /// The default implementation begins a tenant scope (<see cref="BeginTenantScope"/>) and leaves it to the restored
    /// execution context to end.
    /// </summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="services">The tenant's services, if the code runs inside its container.</param>
    void EnterTenant(TenantInfo tenant, IServiceProvider? services = null)
#pragma warning disable CA2000 // Dispose objects before losing scope: restoring the caller's execution context ends it.
        => BeginTenantScope(tenant, services);
#pragma warning restore CA2000
}
