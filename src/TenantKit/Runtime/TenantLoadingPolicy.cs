namespace TenantKit.Runtime;

/// <summary>When a tenant's container is built (WSO2's tenant loading policy).</summary>
public enum TenantLoadingPolicy
{
    /// <summary>On first use. The default.</summary>
    Lazy = 0,

    /// <summary>At application start-up, with bounded parallelism.</summary>
    Eager = 1,
}
