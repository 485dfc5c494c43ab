using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TenantKit.EfCore;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Declares tenant-owned entity types with the fluent API.</summary>
public static class TenantModelBuilderExtensions
{
    /// <summary>
    /// Marks the entity type as tenant-owned, with its tenant column in <paramref name="propertyName"/> (a CLR property,
    /// or a shadow property created here). Needs <c>UseTenantKit</c> (or <c>AddTenantDbContext</c>) on the context's options.
    /// </summary>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="propertyName">The tenant property. <value>The default is <c>TenantId</c>.</value></param>
    /// <returns>The same builder.</returns>
    public static EntityTypeBuilder IsTenantOwned(this EntityTypeBuilder builder, string propertyName = TenantQueryFilter.DefaultPropertyName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(propertyName);
        builder.HasAnnotation(TenantQueryFilter.PropertyAnnotation, propertyName);
        if (builder.Metadata.FindProperty(propertyName) is null)
        {
            builder.Property<string>(propertyName);
        }

        return builder;
    }

    /// <summary>
    /// Marks the entity type as tenant-owned, with its tenant column in <paramref name="propertyName"/> (a CLR property,
    /// or a shadow property created here). Needs <c>UseTenantKit</c> (or <c>AddTenantDbContext</c>) on the context's options.
    /// </summary>
    /// <typeparam name="TEntity">The entity type.</typeparam>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="propertyName">The tenant property. <value>The default is <c>TenantId</c>.</value></param>
    /// <returns>The same builder.</returns>
    public static EntityTypeBuilder<TEntity> IsTenantOwned<TEntity>(this EntityTypeBuilder<TEntity> builder, string propertyName = TenantQueryFilter.DefaultPropertyName)
        where TEntity : class
    {
        IsTenantOwned((EntityTypeBuilder)builder, propertyName);
        return builder;
    }
}
