using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TenantKit;
using TenantKit.EfCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Provisions each tenant's schema or database when the tenant runtime activates the tenant.</summary>
public static class TenantProvisioningBuilderExtensions
{
    /// <summary>
    /// When a tenant is first loaded (and at each reload), before it serves: creates its tables where its data lives
    /// (<see cref="TenantDatabaseFacadeExtensions.EnsureTenantTablesAsync"/>), or runs <paramref name="provision"/>
    /// instead (such as <c>(db, ct) =&gt; db.Database.MigrateAsync(ct)</c>) on a <typeparamref name="TContext"/> bound to
    /// the tenant. If it fails the tenant is not served: the runtime reports a <see cref="TenantLoadException"/> with a
    /// <see cref="TenantProvisioningException"/> inside, and tries again after a back-off.
    /// </summary>
    /// <typeparam name="TContext">The tenant's context, registered with <c>AddTenantDbContext</c>.</typeparam>
    /// <param name="builder">The TenantKit builder.</param>
    /// <param name="provision">What to run instead of creating the tables, or <see langword="null"/>.</param>
    /// <returns>The same builder.</returns>
    public static TenantKitBuilder ProvisionTenantDatabases<TContext>(this TenantKitBuilder builder, Func<TContext, CancellationToken, Task>? provision = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.OnTenantActivated(async (tenant, services, cancellationToken) =>
        {
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger("TenantKit.EfCore") ?? NullLogger.Instance;
            TenantDataLocation? location = null;
            var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
            var started = time.GetTimestamp();
            try
            {
                location = services.GetRequiredService<ITenantConnectionResolver>().Resolve(tenant);
                var scope = services.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    var context = scope.ServiceProvider.GetRequiredService<TContext>();
                    await (provision is null ? context.Database.EnsureTenantTablesAsync(cancellationToken) : provision(context, cancellationToken)).ConfigureAwait(false);
                }

                Log.Provisioned(logger, tenant.Identifier, location.ToString(), time.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.ProvisioningFailed(logger, ex, tenant.Identifier, location?.ToString() ?? "location unknown");
                throw new TenantProvisioningException(tenant, location, ex);
            }
        });
    }
}
