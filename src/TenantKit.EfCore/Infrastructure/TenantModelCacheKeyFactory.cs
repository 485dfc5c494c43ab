using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// Keys the cached EF model by context type, schema and whom it serves (tenant or host): a schema-per-tenant tenant
/// gets a model mapped to its schema, and the host gets a model without the tenant filter. The tenant itself is never
/// part of the key: tenants of one schema share one model, and the filter reads the tenant at query time. The features
/// that add to the model are (only those the context's model gets): tenants with the same such features share a model.
/// </summary>
internal sealed class TenantModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime)
    {
        var state = TenantFilterFunctions.State(context);
        var mode = state.ChooseMode();
        return new Key(context.GetType(), state.Location.Schema, mode, state.ModelFeatureKey(), designTime);
    }

    private sealed record Key(Type ContextType, string? Schema, TenantContextMode Mode, string? Features, bool DesignTime);
}
