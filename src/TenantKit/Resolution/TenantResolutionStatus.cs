namespace TenantKit.Resolution;

/// <summary>How a resolution ended.</summary>
public enum TenantResolutionStatus
{
    /// <summary>A tenant was found (check its <see cref="TenantInfo.State"/> before serving it).</summary>
    Resolved = 0,

    /// <summary>No strategy found an identifier in the context (a request for the host, perhaps).</summary>
    NoIdentifier = 1,

    /// <summary>A strategy found a value that is not a valid identifier.</summary>
    InvalidIdentifier = 2,

    /// <summary>The identifier is valid but no tenant has it.</summary>
    NotFound = 3,

    /// <summary>The store failed and the identifier is not cached: try again later (HTTP 503), never "not found".</summary>
    CatalogUnavailable = 4,
}
