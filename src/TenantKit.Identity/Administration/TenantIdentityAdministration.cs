using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Identity.Diagnostics;

namespace TenantKit.Identity.Administration;

/// <summary>The host's work on tenants' users, through the core's administration (which checks the host scope) and executor.</summary>
internal sealed class TenantIdentityAdministration<TUser, TRole>(
    ITenantAdministration tenants,
    ITenantExecutor executor,
    IOptions<TenantIdentityOptions> options,
    ILogger<ITenantIdentityAdministration> logger) : ITenantIdentityAdministration
    where TUser : class
    where TRole : class
{
    public async Task<TenantInfo> CreateTenantWithAdministratorAsync(TenantDraft tenant, TenantAdministratorDraft administrator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(administrator);
        var created = await tenants.CreateAsync(tenant, cancellationToken).ConfigureAwait(false);
        try
        {
            await executor.RunAsync(created.Identifier, (services, _) => CreateAdministratorAsync(services, administrator), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.TenantCreationUndone(logger, ex, created.Id, created.Identifier);
            await tenants.DeleteAsync(created.Id, expectedVersion: null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        Log.TenantCreatedWithAdministrator(logger, created.Id, created.Identifier);
        return created;
    }

    public async Task<TResult> RunAsTenantAsync<TResult>(string identifier, Func<IServiceProvider, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        ArgumentNullException.ThrowIfNull(work);

        // The administration refuses to run outside a host scope (HostScopeRequiredException): only the host gets here.
        var tenant = await tenants.FindByIdentifierAsync(identifier, cancellationToken).ConfigureAwait(false)
            ?? throw new TenantNotFoundException(identifier);
        Log.HostActsOnTenantUsers(logger, tenant.Id, tenant.Identifier);
        return await executor.RunAsync(tenant.Identifier, work, cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateAdministratorAsync(IServiceProvider services, TenantAdministratorDraft draft)
    {
        var users = services.GetRequiredService<UserManager<TUser>>();
        var roles = services.GetRequiredService<RoleManager<TRole>>();
        var roleName = options.Value.AdministratorRole;
        TRole? createdRole = null;
        if (!await roles.RoleExistsAsync(roleName).ConfigureAwait(false))
        {
            createdRole = Activator.CreateInstance<TRole>();
            await services.GetRequiredService<IRoleStore<TRole>>().SetRoleNameAsync(createdRole, roleName, CancellationToken.None).ConfigureAwait(false);
            Check(await roles.CreateAsync(createdRole).ConfigureAwait(false), "The administrator role could not be created.");
        }

        // Set through the store on the new object: UserManager's setters would save a user that does not exist yet.
        var user = Activator.CreateInstance<TUser>();
        var store = services.GetRequiredService<IUserStore<TUser>>();
        await store.SetUserNameAsync(user, draft.UserName ?? draft.Email, CancellationToken.None).ConfigureAwait(false);
        if (store is not IUserEmailStore<TUser> emails)
        {
            throw new InvalidOperationException($"The user store of {typeof(TUser).Name} keeps no e-mail addresses; TenantKit.Identity needs one that does.");
        }

        await emails.SetEmailAsync(user, draft.Email, CancellationToken.None).ConfigureAwait(false);
        await emails.SetEmailConfirmedAsync(user, draft.EmailConfirmed, CancellationToken.None).ConfigureAwait(false);

        var result = await users.CreateAsync(user, draft.Password).ConfigureAwait(false);
        if (result.Succeeded)
        {
            result = await users.AddToRoleAsync(user, roleName).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                await users.DeleteAsync(user).ConfigureAwait(false);
            }
        }

        if (!result.Succeeded && createdRole is not null)
        {
            await roles.DeleteAsync(createdRole).ConfigureAwait(false);
        }

        Check(result, "The tenant's administrator could not be created.");
    }

    private static void Check(IdentityResult result, string message)
    {
        if (!result.Succeeded)
        {
            throw new TenantIdentityException(message, result.Errors);
        }
    }
}
