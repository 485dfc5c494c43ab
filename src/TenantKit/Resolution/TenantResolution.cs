namespace TenantKit.Resolution;

/// <summary>The outcome of a tenant resolution.</summary>
public readonly struct TenantResolution
{
    private TenantResolution(TenantResolutionStatus status, TenantInfo? tenant, int strategyIndex, Exception? error)
    {
        Status = status;
        Tenant = tenant;
        StrategyIndex = strategyIndex;
        Error = error;
    }

    /// <summary>How the resolution ended.</summary>
    public TenantResolutionStatus Status { get; }

    /// <summary>The tenant, when <see cref="Status"/> is <see cref="TenantResolutionStatus.Resolved"/>.</summary>
    public TenantInfo? Tenant { get; }

    /// <summary>The position (from 0, in declaration order) of the strategy that answered, or -1.</summary>
    public int StrategyIndex { get; }

    /// <summary>The store's error, when <see cref="Status"/> is <see cref="TenantResolutionStatus.CatalogUnavailable"/>.</summary>
    public Exception? Error { get; }

    /// <summary><see langword="true"/> when a tenant was found.</summary>
    [MemberNotNullWhen(true, nameof(Tenant))]
    public bool IsResolved => Status == TenantResolutionStatus.Resolved;

    /// <summary>A resolution that found <paramref name="tenant"/>.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="strategyIndex">Which strategy answered.</param>
    /// <returns>The resolution.</returns>
    public static TenantResolution Resolved(TenantInfo tenant, int strategyIndex)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new(TenantResolutionStatus.Resolved, tenant, strategyIndex, null);
    }

    /// <summary>A resolution that found no tenant.</summary>
    /// <param name="status">Why; not <see cref="TenantResolutionStatus.Resolved"/>.</param>
    /// <param name="strategyIndex">Which strategy answered, or -1.</param>
    /// <param name="error">The store's error, if any.</param>
    /// <returns>The resolution.</returns>
    public static TenantResolution Failed(TenantResolutionStatus status, int strategyIndex = -1, Exception? error = null)
    {
        if (status == TenantResolutionStatus.Resolved)
        {
            throw new ArgumentOutOfRangeException(nameof(status), "A failed resolution needs a failure status.");
        }

        return new(status, null, strategyIndex, error);
    }

    /// <summary>Returns the tenant if it was found and is active; otherwise throws the matching typed exception.</summary>
    /// <param name="what">What was being resolved, for the exception message.</param>
    /// <returns>The active tenant.</returns>
    /// <exception cref="TenantNotSetException">No identifier was found.</exception>
    /// <exception cref="TenantNotFoundException">The identifier was invalid or unknown.</exception>
    /// <exception cref="TenantSuspendedException">The tenant is suspended.</exception>
    /// <exception cref="TenantCatalogUnavailableException">The store failed.</exception>
    internal TenantInfo GetActiveTenant(string what = "context")
    {
        return Status switch
        {
            TenantResolutionStatus.Resolved when Tenant!.IsActive => Tenant,
            TenantResolutionStatus.Resolved => throw new TenantSuspendedException(Tenant!),
            TenantResolutionStatus.NoIdentifier => throw new TenantNotSetException($"No tenant could be resolved for the {what}."),
            TenantResolutionStatus.CatalogUnavailable => throw (Error as TenantCatalogUnavailableException
                ?? new TenantCatalogUnavailableException("The tenant store is unavailable.", Error)),
            _ => throw new TenantNotFoundException($"(the {what}'s identifier)"),
        };
    }
}
