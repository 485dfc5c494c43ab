namespace TenantKit;

/// <summary>Thrown when code running as one tenant tries to read or change data or state that belongs to another tenant.</summary>
public sealed class CrossTenantAccessException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="innerException">The cause, if any.</param>
    public CrossTenantAccessException(string message, Exception? innerException = null)
        : base("cross-tenant-access", message, innerException)
    {
    }
}
