namespace TenantKit.Identity.Binding;

/// <summary>
/// Refuses user names and e-mail addresses longer than Identity's columns (256 characters), so an over-long name is an
/// Identity error (and a 400), not a database error on PostgreSQL or a silently stored row on SQLite.
/// </summary>
internal sealed class TenantUserLengthValidator<TUser> : IUserValidator<TUser>
    where TUser : class
{
    public const int MaxLength = 256;

    public async Task<IdentityResult> ValidateAsync(UserManager<TUser> manager, TUser user)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var errors = new List<IdentityError>();
        if ((await manager.GetUserNameAsync(user).ConfigureAwait(false))?.Length > MaxLength)
        {
            errors.Add(new IdentityError { Code = "UserNameTooLong", Description = $"User names are at most {MaxLength} characters." });
        }

        if ((await manager.GetEmailAsync(user).ConfigureAwait(false))?.Length > MaxLength)
        {
            errors.Add(new IdentityError { Code = "EmailTooLong", Description = $"E-mail addresses are at most {MaxLength} characters." });
        }

        return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
    }
}
