namespace TenantKit;

/// <summary>Thrown when code needs a current tenant (or an explicit host scope) and there is none. TenantKit fails closed: it never falls back to every tenant's data.</summary>
public sealed class TenantNotSetException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TenantNotSetException(string message, Exception? innerException = null)
        : base("tenant-not-set", message, innerException)
    {
    }
}
