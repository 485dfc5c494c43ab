using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TenantKit.AspNetCore.HealthChecks;

/// <summary>Healthy when the tenant store answers a one-tenant listing (through the catalog, bypassing its cache).</summary>
internal sealed class TenantCatalogHealthCheck(ITenantCatalog catalog) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var page = await catalog.ListAsync(new TenantQuery { Take = 1 }, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The tenant store answers.", new Dictionary<string, object> { ["tenants"] = page.TotalCount });
        }
        catch (TenantCatalogUnavailableException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The tenant store is unavailable.", ex);
        }
    }
}
