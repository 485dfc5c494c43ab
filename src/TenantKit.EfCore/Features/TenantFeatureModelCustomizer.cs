using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using TenantKit.EfCore.Infrastructure;

namespace TenantKit.EfCore.Features;

/// <summary>
/// Builds a context's model as usual (<c>OnModelCreating</c>), then adds what the context's features contribute
/// (<see cref="TenantDbContextState.ModelFeatures"/>): the tenant's features for a tenant's model, all of them for the
/// host's. Entity types that only a feature the model lacks would add are left out even when the context exposes them
/// (a <c>DbSet</c> property), so a tenant without the feature cannot query them. Entity types a feature adds are
/// marked with <see cref="FeatureAnnotation"/>, so provisioning may add their tables to an existing schema.
/// </summary>
internal sealed class TenantFeatureModelCustomizer(ModelCustomizerDependencies dependencies) : RelationalModelCustomizer(dependencies)
{
    /// <summary>The annotation naming the feature that added an entity type.</summary>
    public const string FeatureAnnotation = "TenantKit:Feature";

    public override void Customize(ModelBuilder modelBuilder, DbContext context)
    {
        base.Customize(modelBuilder, context);
        var state = context.GetService<TenantDbContextState>();
        var (included, excluded) = state.ModelFeatures();
        if (included.Length == 0 && excluded.Length == 0)
        {
            return;
        }

        foreach (var contribution in included)
        {
            var before = modelBuilder.Model.GetEntityTypes().ToHashSet();
            contribution.Configure(modelBuilder);
            foreach (var entityType in modelBuilder.Model.GetEntityTypes())
            {
                if (!before.Contains(entityType) && entityType.FindAnnotation(FeatureAnnotation) is null)
                {
                    entityType.SetAnnotation(FeatureAnnotation, contribution.Feature);
                }
            }
        }

        if (excluded.Length == 0)
        {
            return;
        }

        // What the missing features would add, found on a scratch model: left out of this one unless an included
        // feature (or the context itself, through OnModelCreating) configured it on purpose.
        var keep = modelBuilder.Model.GetEntityTypes().Where(e => e.FindAnnotation(FeatureAnnotation) is not null).Select(e => e.ClrType).ToHashSet();
        var scratch = new ModelBuilder();
        foreach (var contribution in excluded)
        {
            contribution.Configure(scratch);
        }

        foreach (var entityType in scratch.Model.GetEntityTypes())
        {
            if (!keep.Contains(entityType.ClrType) && !entityType.HasSharedClrType)
            {
                modelBuilder.Ignore(entityType.ClrType);
            }
        }
    }
}
