namespace TenantKit.Identity;

/// <summary>
/// The host's (super tenant's) work on tenants' users. Every member runs only in an explicit host scope
/// (<see cref="ITenantContextAccessor.BeginHostScope"/>), else throws <see cref="HostScopeRequiredException"/>, and is
/// logged.
/// </summary>
public interface ITenantIdentityAdministration
{
    /// <summary>
    /// Creates a tenant and, inside it, its first administrator: the administrator role (created if the tenant has none)
    /// and a user in it. If the administrator cannot be made (the password breaks the tenant's rules, the e-mail is
    /// malformed...), the tenant is deleted again and the error is thrown: either both exist, or neither.
    /// </summary>
    /// <param name="tenant">The new tenant.</param>
    /// <param name="administrator">Its first administrator.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The created tenant.</returns>
    /// <exception cref="TenantValidationException">The tenant draft is invalid.</exception>
    /// <exception cref="TenantAlreadyExistsException">The tenant's id or identifier is taken.</exception>
    /// <exception cref="TenantIdentityException">Identity refused the administrator; the tenant was deleted again.</exception>
    Task<TenantInfo> CreateTenantWithAdministratorAsync(TenantDraft tenant, TenantAdministratorDraft administrator, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="work"/> inside the tenant with <paramref name="identifier"/>, with the tenant's scoped
    /// services (its <c>UserManager</c>, <c>RoleManager</c>): the host acting on one tenant's users, logged as a warning
    /// (event 7003) each time.
    /// </summary>
    /// <typeparam name="TResult">The work's result.</typeparam>
    /// <param name="identifier">The tenant identifier.</param>
    /// <param name="work">The work.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The work's result.</returns>
    /// <exception cref="TenantNotFoundException">No tenant has the identifier.</exception>
    Task<TResult> RunAsTenantAsync<TResult>(string identifier, Func<IServiceProvider, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken = default);
}
