using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// One pool of <typeparamref name="TContext"/> shared by every tenant (and one for the host). A rented context is bound
/// to its tenant when it leaves the pool (and its connection string set for a database-per-tenant tenant); the binding
/// is forgotten when it comes back. Schema-per-tenant tenants cannot share pooled contexts: a context's model (and so
/// its schema) is fixed for its life.
/// </summary>
internal sealed class PooledTenantDbContextFactory<TContext> : IDbContextFactory<TContext>
    where TContext : DbContext
{
    private readonly ITenantConnectionResolver _resolver;
    private readonly ITenantContextAccessor _accessor;
    private readonly PooledDbContextFactory<TContext> _tenantPool;
    private readonly PooledDbContextFactory<TContext> _hostPool;

    public PooledTenantDbContextFactory(TenantDbContextSetup<TContext> setup, ITenantConnectionResolver resolver, ITenantContextAccessor accessor, IServiceProvider services, int poolSize)
    {
        _resolver = resolver;
        _accessor = accessor;
        _tenantPool = new PooledDbContextFactory<TContext>(setup.Build(resolver.Host, TenantContextMode.Tenant, services), poolSize);
        _hostPool = new PooledDbContextFactory<TContext>(setup.Build(resolver.Host, TenantContextMode.Host, services), poolSize);
    }

    public TContext CreateDbContext() => Rent(null);

    /// <summary>Rents a context for <paramref name="tenant"/> (a tenant container's), else for the ambient tenant or host.</summary>
    public TContext Rent(TenantInfo? tenant)
    {
        var ambient = _accessor.Current;
        tenant ??= ambient is { IsHost: false } ? ambient.Tenant : null;
        if (tenant is null)
        {
            if (ambient is not { IsHost: true })
            {
                throw new TenantNotSetException($"A {typeof(TContext).Name} was rented with no current tenant and no host scope. Rent it inside a tenant scope, or inside ITenantContextAccessor.BeginHostScope() where the host acts.");
            }

            var host = _hostPool.CreateDbContext();
            TenantFilterFunctions.State(host).NoteHostUse();
            return host;
        }

        var location = _resolver.Resolve(tenant);
        if (location.Isolation == TenantIsolationModel.SchemaPerTenant)
        {
            throw new NotSupportedException(
                $"Tenant '{tenant.Identifier}' keeps its data in schema '{location.Schema}', which a shared pool of {typeof(TContext).Name} cannot serve (a context's model, and so its schema, is fixed for its life). Register it with AddTenantDbContext, which builds each tenant's options in its own container.");
        }

        var context = _tenantPool.CreateDbContext();
        try
        {
            if (TenantFilterFunctions.State(context).ModelFeatureKey() is not null)
            {
                throw new NotSupportedException(
                    $"Features add to the model of {typeof(TContext).Name} (AddFeatureModel), which a shared pool cannot serve (a context's model is fixed for its life). Register it with AddTenantDbContext.");
            }

            TenantFilterFunctions.State(context).Bind(location);
            if (location.ConnectionString is { } connectionString
                && !string.Equals(context.Database.GetConnectionString(), connectionString, StringComparison.Ordinal))
            {
                context.Database.SetConnectionString(connectionString);
            }
        }
        catch
        {
            context.Dispose();
            throw;
        }

        return context;
    }
}
