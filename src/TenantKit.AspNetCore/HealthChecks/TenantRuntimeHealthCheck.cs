using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TenantKit.AspNetCore.HealthChecks;

/// <summary>
/// Reports the tenant runtime's totals; degraded while any tenant's container fails to build (the runtime backs off and
/// retries; other tenants are served). Tenant names are not reported: health output is often public.
/// </summary>
internal sealed class TenantRuntimeHealthCheck(ITenantRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var counts = runtime.Counts;
        var failing = 0;
        foreach (var status in runtime.GetStatuses())
        {
            if (status.LastError is not null)
            {
                failing++;
            }
        }

        var data = new Dictionary<string, object>
        {
            ["resident"] = counts.Resident,
            ["building"] = counts.Building,
            ["draining"] = counts.Draining,
            ["leasesOut"] = counts.LeasesOut,
            ["builds"] = counts.Builds,
            ["failedBuilds"] = counts.FailedBuilds,
            ["unloads"] = counts.Unloads,
            ["failing"] = failing,
        };
        return Task.FromResult(failing == 0
            ? HealthCheckResult.Healthy($"{counts.Resident} tenants resident.", data)
            : HealthCheckResult.Degraded($"{failing} tenants fail to load; the runtime retries them after a back-off.", data: data));
    }
}
