namespace TenantKit;

/// <summary>
/// Thrown when a tenant's container could not be built (a failing registration, warm-up hook or hosted service),
/// or while the runtime waits before it tries that tenant again. Other tenants are not affected.
/// </summary>
public sealed class TenantLoadException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="tenantId">The tenant's id.</param>
    /// <param name="identifier">The tenant's identifier.</param>
    /// <param name="retryAfter">How long until the runtime tries to build the tenant again.</param>
    /// <param name="innerException">The build's error.</param>
    internal TenantLoadException(string tenantId, string identifier, TimeSpan retryAfter, Exception? innerException)
        : base("tenant-load-failed", $"Tenant '{identifier}' could not be loaded; the next attempt is in {Math.Ceiling(retryAfter.TotalSeconds)} s. {innerException?.Message}".TrimEnd(), innerException)
    {
        TenantId = tenantId;
        Identifier = identifier;
        RetryAfter = retryAfter;
    }

    /// <summary>The tenant's id.</summary>
    public string TenantId { get; }

    /// <summary>The tenant's identifier.</summary>
    public string Identifier { get; }

    /// <summary>How long until the runtime tries again (web adapters send it as <c>Retry-After</c>).</summary>
    public TimeSpan RetryAfter { get; }
}
