namespace TenantKit;

/// <summary>Thrown when a write (create, update, delete) is sent to a store that cannot be written to, such as the configuration store.</summary>
public sealed class TenantCatalogReadOnlyException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="innerException">The cause, if any.</param>
    internal TenantCatalogReadOnlyException(string message, Exception? innerException = null)
        : base("tenant-catalog-read-only", message, innerException)
    {
    }
}
