namespace TenantKit.AspNetCore;

/// <summary>
/// The stable <c>type</c> URIs of the RFC 9457 problem documents TenantKit answers with. Each ends with the
/// <see cref="TenantKitException.ErrorCode"/> of the matching core exception where there is one.
/// </summary>
public static class TenantProblemTypes
{
    /// <summary>The base of every type URI.</summary>
    public const string BaseUri = "https://tenantkit.dev/problems/";

    /// <summary>400: the request's <c>Host</c> names none of the application's host names (<c>UseTenantHostFiltering</c>).</summary>
    public const string HostNotAllowed = BaseUri + "host-not-allowed";

    /// <summary>404: no tenant has the identifier the request carries.</summary>
    public const string TenantNotFound = BaseUri + "tenant-not-found";

    /// <summary>400: the request carries a malformed identifier (bad characters, too long, a repeated header...).</summary>
    public const string InvalidIdentifier = BaseUri + "invalid-tenant-identifier";

    /// <summary>403: the tenant is suspended.</summary>
    public const string TenantSuspended = BaseUri + "tenant-suspended";

    /// <summary>503 with <c>Retry-After</c>: the tenant's container failed to build; the runtime retries after a back-off.</summary>
    public const string TenantLoadFailed = BaseUri + "tenant-load-failed";

    /// <summary>503 with <c>Retry-After</c>: the tenant store is unreachable and the tenant is not cached (never answered as 404).</summary>
    public const string CatalogUnavailable = BaseUri + "tenant-catalog-unavailable";

    /// <summary>503 with <c>Retry-After</c>: the tenant runtime is shutting down.</summary>
    public const string RuntimeStopping = BaseUri + "tenant-runtime-stopping";

    /// <summary>421: the tenant lives in another region than this node serves.</summary>
    public const string RegionMismatch = BaseUri + "tenant-region-mismatch";

    /// <summary>404: the endpoint serves tenants only, and the request names none.</summary>
    public const string TenantRequired = BaseUri + "tenant-required";

    /// <summary>403: the endpoint is reserved to the host (super tenant), and the request names a tenant.</summary>
    public const string HostRequired = BaseUri + "host-required";

    /// <summary>403: the signed-in user's tenant claim names another tenant than the request.</summary>
    public const string TenantMismatch = BaseUri + "tenant-mismatch";

    /// <summary>
    /// 403: the application reached data or state of another tenant than the one the request is served for (a
    /// <see cref="CrossTenantAccessException"/> thrown while serving the request).
    /// </summary>
    public const string CrossTenantAccess = BaseUri + "cross-tenant-access";

    /// <summary>429 with <c>Retry-After</c>: the tenant's rate limit is reached.</summary>
    public const string RateLimited = BaseUri + "tenant-rate-limited";

    /// <summary>400: tenant data sent to the administration endpoints is invalid; <c>errors</c> lists problems per field.</summary>
    public const string Validation = BaseUri + "tenant-validation";

    /// <summary>412: the tenant changed since the version in <c>If-Match</c>.</summary>
    public const string VersionConflict = BaseUri + "tenant-version-conflict";

    /// <summary>428: the change needs an <c>If-Match</c> header with the tenant's ETag.</summary>
    public const string PreconditionRequired = BaseUri + "if-match-required";

    /// <summary>409: a tenant with that id or identifier exists.</summary>
    public const string AlreadyExists = BaseUri + "tenant-already-exists";

    /// <summary>409: the tenant store is read-only (a configuration store).</summary>
    public const string CatalogReadOnly = BaseUri + "tenant-catalog-read-only";
}
