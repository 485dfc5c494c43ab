using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TenantKit.Identity.Binding;

/// <summary>
/// Identity's <see cref="UserManager{TUser}"/> with lockout on the injected <see cref="TimeProvider"/>. Identity 10 reads
/// <c>DateTimeOffset.UtcNow</c> in <see cref="UserManager{TUser}.IsLockedOutAsync"/> and
/// <see cref="UserManager{TUser}.AccessFailedAsync"/>, so a fake clock could lock a user out but never let the lockout end
/// (and a clock set by the application disagreed with Identity's). Both are Identity's own logic with the clock replaced.
/// <c>AddTenantKit()</c> registers it in place of Identity's own <see cref="UserManager{TUser}"/>; an application's own
/// user manager class is left as it is.
/// </summary>
internal sealed class TimeProviderUserManager<TUser>(
    IUserStore<TUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<TUser> passwordHasher,
    IEnumerable<IUserValidator<TUser>> userValidators,
    IEnumerable<IPasswordValidator<TUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<TUser>> logger)
    : UserManager<TUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
    where TUser : class
{
    private readonly TimeProvider _time = services.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <inheritdoc/>
    public override async Task<bool> IsLockedOutAsync(TUser user)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(user);
        var lockout = LockoutStore();
        if (!await lockout.GetLockoutEnabledAsync(user, CancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var end = await lockout.GetLockoutEndDateAsync(user, CancellationToken).ConfigureAwait(false);
        return end >= _time.GetUtcNow();
    }

    /// <inheritdoc/>
    public override async Task<IdentityResult> AccessFailedAsync(TUser user)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(user);
        var lockout = LockoutStore();

        // Past the threshold: locked out from now (the injected clock's now) for the tenant's lockout time span, and the
        // count starts again.
        var count = await lockout.IncrementAccessFailedCountAsync(user, CancellationToken).ConfigureAwait(false);
        if (count >= Options.Lockout.MaxFailedAccessAttempts)
        {
            await lockout.SetLockoutEndDateAsync(user, _time.GetUtcNow().Add(Options.Lockout.DefaultLockoutTimeSpan), CancellationToken).ConfigureAwait(false);
            await lockout.ResetAccessFailedCountAsync(user, CancellationToken).ConfigureAwait(false);
        }

        return await UpdateUserAsync(user).ConfigureAwait(false);
    }

    private IUserLockoutStore<TUser> LockoutStore()
        => Store as IUserLockoutStore<TUser> ?? throw new NotSupportedException("The user store does not implement IUserLockoutStore<TUser>.");
}
