namespace TenantKit;

/// <summary>
/// The base of every exception TenantKit throws on purpose. Catch it to handle any tenant refusal in one place;
/// catch a derived type to handle one case. Each type has a stable <see cref="ErrorCode"/> that adapters map to a
/// response (the ASP.NET Core adapter uses it as the problem-details <c>type</c> suffix).
/// </summary>
public abstract class TenantKitException : Exception
{
    /// <summary>Creates the exception with its code, a message and an optional inner exception.</summary>
    /// <param name="errorCode">The short, stable, kebab-case code of this kind of error.</param>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="innerException">The cause, if any.</param>
    protected TenantKitException(string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        ErrorCode = errorCode;
    }

    /// <summary>A short, stable, kebab-case code for this kind of error, such as <c>tenant-not-found</c>.</summary>
    public string ErrorCode { get; }
}
