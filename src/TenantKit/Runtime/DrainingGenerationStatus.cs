namespace TenantKit.Runtime;

/// <summary>A generation of a tenant's container that left service and waits for its leases before it is disposed.</summary>
public sealed class DrainingGenerationStatus
{
    internal DrainingGenerationStatus(long generation, int leasesOut, TenantUnloadReason reason, DateTimeOffset since)
    {
        Generation = generation;
        LeasesOut = leasesOut;
        Reason = reason;
        Since = since;
    }

    /// <summary>The generation's number.</summary>
    public long Generation { get; }

    /// <summary>Leases still held on it; it is disposed when the last one is released.</summary>
    public int LeasesOut { get; }

    /// <summary>Why it left service.</summary>
    public TenantUnloadReason Reason { get; }

    /// <summary>When it started draining.</summary>
    public DateTimeOffset Since { get; }
}
