using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// Finishes a model for TenantKit, after the application's own configuration: finds the tenant-owned entity types
/// (attribute, interface or fluent call), gives each a required tenant column (a shadow property when the class has
/// none) that is also a concurrency token (so an UPDATE or DELETE only ever touches a row of the tenant it was read
/// for), puts the tenant column first in every unique index and alternate key, indexes it, and adds the named tenant
/// filter. For a schema-per-tenant tenant it also maps the model to the tenant's schema.
/// </summary>
internal sealed class TenantModelConvention(TenantContextMode mode, string? schema, string? providerName, string contextName)
    : IModelFinalizingConvention
{
    /// <summary>The model annotation saying the model has tenant-owned types (so the interceptors can skip other models at once).</summary>
    public const string ModelAnnotation = "TenantKit:HasTenantOwnedTypes";

    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        var model = (IMutableModel)modelBuilder.Metadata;
        if (schema is not null)
        {
            if (string.Equals(providerName, "Microsoft.EntityFrameworkCore.Sqlite", StringComparison.Ordinal))
            {
                throw new NotSupportedException(
                    $"{contextName} serves a schema-per-tenant tenant (schema '{schema}'), but SQLite has no schemas. Use DatabasePerTenant (a file per tenant) or SharedTables on SQLite.");
            }

            // The tenant's schema wins over a default schema set in OnModelCreating; tables mapped to an explicit
            // schema with ToTable(name, schema) stay shared.
            model.SetDefaultSchema(schema);
        }

        var owned = new List<(IMutableEntityType EntityType, string Property)>();
        foreach (var entityType in model.GetEntityTypes())
        {
            if (TenantPropertyName(entityType) is not { } name)
            {
                continue;
            }

            if (entityType.IsOwned())
            {
                throw new InvalidOperationException(
                    $"'{entityType.DisplayName()}' is an owned type; it belongs to its owner's tenant. Mark the owner as tenant-owned instead.");
            }

            var root = entityType.GetRootType();
            if (root != entityType)
            {
                if (TenantPropertyName(root) != name)
                {
                    throw new InvalidOperationException(
                        $"'{entityType.DisplayName()}' is tenant-owned but its base type '{root.DisplayName()}' is not (or names another tenant property). Query filters live on the root of a hierarchy: mark '{root.DisplayName()}'.");
                }

                continue;
            }

            owned.Add((entityType, name));
        }

        foreach (var (entityType, name) in owned)
        {
            Configure(entityType, name);
        }

        if (owned.Count > 0)
        {
            model.SetAnnotation(ModelAnnotation, true);
        }
    }

    /// <summary>The tenant property of a tenant-owned type: fluent annotation, then attribute, then interface.</summary>
    internal static string? TenantPropertyName(IReadOnlyEntityType entityType)
    {
        if (entityType.FindAnnotation(TenantQueryFilter.PropertyAnnotation)?.Value is string fluent)
        {
            return fluent;
        }

        if (entityType.HasSharedClrType || entityType.ClrType is null)
        {
            return null;
        }

        if (entityType.ClrType.GetCustomAttribute<TenantOwnedAttribute>(inherit: true) is { } attribute)
        {
            return attribute.PropertyName;
        }

        return typeof(ITenantOwned).IsAssignableFrom(entityType.ClrType) ? nameof(ITenantOwned.TenantId) : null;
    }

    private void Configure(IMutableEntityType entityType, string name)
    {
        entityType.SetAnnotation(TenantQueryFilter.PropertyAnnotation, name);
        var property = entityType.FindProperty(name) ?? entityType.AddProperty(name, typeof(string));
        if (property.ClrType != typeof(string))
        {
            throw new InvalidOperationException(
                $"The tenant property '{entityType.DisplayName()}.{name}' is a {property.ClrType.Name}; it must be a string (tenant ids are strings).");
        }

        property.IsNullable = false;
        property.IsConcurrencyToken = true;
        property.ValueGenerated = ValueGenerated.Never;
        if (property.GetMaxLength() is null)
        {
            property.SetMaxLength(TenantInfo.MaxIdLength);
        }

        foreach (var type in entityType.GetDerivedTypesInclusive().ToList())
        {
            foreach (var index in type.GetDeclaredIndexes().ToList())
            {
                if (index.IsUnique && !index.Properties.Contains(property))
                {
                    PrefixIndex(type, index, property);
                }
            }
        }

        foreach (var key in entityType.GetDeclaredKeys().ToList())
        {
            if (!key.IsPrimaryKey() && !key.Properties.Contains(property))
            {
                PrefixKey(entityType, key, property);
            }
        }

        if (!entityType.GetIndexes().Any(i => i.Properties[0] == property) && !entityType.GetKeys().Any(k => k.Properties[0] == property))
        {
            entityType.AddIndex(property);
        }

        if (entityType.GetDeclaredQueryFilters().Any(f => f.IsAnonymous))
        {
            throw new InvalidOperationException(
                $"'{entityType.DisplayName()}' has an unnamed query filter, which EF Core cannot combine with TenantKit's named tenant filter. Give it a name: HasQueryFilter(\"SoftDelete\", e => ...).");
        }

        entityType.SetQueryFilter(
            TenantQueryFilter.Name,
            mode == TenantContextMode.Host
                ? TenantFilterFunctions.HostFilter(entityType.ClrType)
                : TenantFilterFunctions.TenantFilter(entityType.ClrType, name));
    }

    private static void PrefixIndex(IMutableEntityType entityType, IMutableIndex index, IMutableProperty tenant)
    {
        var annotations = index.GetAnnotations().Select(a => (a.Name, a.Value)).ToList();
        var descending = index.IsDescending;
        var properties = index.Properties.Prepend(tenant).ToList();
        var name = index.Name;
        entityType.RemoveIndex(index);
        var replacement = name is null ? entityType.AddIndex(properties) : entityType.AddIndex(properties, name);
        replacement.IsUnique = true;
        replacement.IsDescending = descending is null ? null : [false, .. descending];
        foreach (var (annotationName, value) in annotations)
        {
            replacement.SetAnnotation(annotationName, value);
        }
    }

    private void PrefixKey(IMutableEntityType entityType, IMutableKey key, IMutableProperty tenant)
    {
        if (key.GetReferencingForeignKeys().Any())
        {
            throw new InvalidOperationException(
                $"The alternate key {{{string.Join(", ", key.Properties.Select(p => p.Name))}}} of tenant-owned '{entityType.DisplayName()}' is referenced by a foreign key, so TenantKit cannot add the tenant column to it. Declare the key and the foreign key with the tenant property yourself, such as HasAlternateKey(e => new {{ e.TenantId, e.Code }}). ({contextName})");
        }

        var annotations = key.GetAnnotations().Select(a => (a.Name, a.Value)).ToList();
        var properties = key.Properties.Prepend(tenant).ToList();
        entityType.RemoveKey(key);
        var replacement = entityType.AddKey(properties);
        foreach (var (annotationName, value) in annotations)
        {
            replacement.SetAnnotation(annotationName, value);
        }
    }
}
