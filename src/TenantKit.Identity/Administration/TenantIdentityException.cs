namespace TenantKit.Identity;

/// <summary>Identity refused an operation TenantKit.Identity ran for the host (a user that could not be created...).</summary>
public sealed class TenantIdentityException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="errors">Identity's errors.</param>
    public TenantIdentityException(string message, IEnumerable<IdentityError> errors)
        : base("identity-validation", message)
    {
        ArgumentNullException.ThrowIfNull(errors);
        Errors = [.. errors];
    }

    /// <summary>Identity's errors (codes such as <c>DuplicateEmail</c>, <c>PasswordTooShort</c>).</summary>
    public IReadOnlyList<IdentityError> Errors { get; }
}
