namespace TenantKit;

/// <summary>
/// Thrown when the tenant store cannot be reached and the tenant asked for is not in the cache. It means "try again
/// later", never "this tenant does not exist": adapters answer 503, not 404.
/// </summary>
public sealed class TenantCatalogUnavailableException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="innerException">The store's error.</param>
    public TenantCatalogUnavailableException(string message, Exception? innerException = null)
        : base("tenant-catalog-unavailable", message, innerException)
    {
    }
}
