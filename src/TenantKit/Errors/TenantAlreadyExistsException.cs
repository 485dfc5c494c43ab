namespace TenantKit;

/// <summary>Thrown when a tenant is created with an id or identifier that another tenant already has.</summary>
public sealed class TenantAlreadyExistsException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TenantAlreadyExistsException(string message, Exception? innerException = null)
        : base("tenant-already-exists", message, innerException)
    {
    }
}
