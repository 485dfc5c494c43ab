namespace TenantKit.Runtime;

/// <summary>Totals of the tenant runtime, read together.</summary>
public readonly struct TenantRuntimeCounts
{
    internal TenantRuntimeCounts(int resident, int building, int draining, long leasesOut, long builds, long failedBuilds, long unloads)
    {
        Resident = resident;
        Building = building;
        Draining = draining;
        LeasesOut = leasesOut;
        Builds = builds;
        FailedBuilds = failedBuilds;
        Unloads = unloads;
    }

    /// <summary>Tenants with a serving generation.</summary>
    public int Resident { get; }

    /// <summary>Builds in flight.</summary>
    public int Building { get; }

    /// <summary>Generations that left service and wait for their leases before disposal (see <see cref="TenantRuntimeStatus.DrainingLeases"/>).</summary>
    public int Draining { get; }

    /// <summary>Leases held on serving generations.</summary>
    public long LeasesOut { get; }

    /// <summary>Successful builds since start.</summary>
    public long Builds { get; }

    /// <summary>Failed builds since start.</summary>
    public long FailedBuilds { get; }

    /// <summary>Generations unloaded (drained and disposed) since start.</summary>
    public long Unloads { get; }
}
