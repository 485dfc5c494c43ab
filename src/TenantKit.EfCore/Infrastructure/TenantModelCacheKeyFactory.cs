using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// Keys the cached EF model by context type, schema and whom it serves (tenant or host): a schema-per-tenant tenant
/// gets a model mapped to its schema, and the host gets a model without the tenant filter. The tenant itself is never
/// part of the key: tenants of one schema share one model, and the filter reads the tenant at query time.
/// </summary>
internal sealed class TenantModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime)
    {
        var state = TenantFilterFunctions.State(context);
        return new Key(context.GetType(), state.Location.Schema, state.ChooseMode(), designTime);
    }

    private sealed record Key(Type ContextType, string? Schema, TenantContextMode Mode, bool DesignTime);
}
