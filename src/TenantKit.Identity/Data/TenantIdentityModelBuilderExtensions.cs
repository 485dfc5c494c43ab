using System.Reflection;
using Microsoft.AspNetCore.Identity;
using TenantKit.EfCore;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Makes an Identity model tenant-owned, for an application's own <c>IdentityDbContext</c>.</summary>
public static class TenantIdentityModelBuilderExtensions
{
    /// <summary>The name Identity gives the index on the normalized e-mail.</summary>
    public const string EmailIndexName = "EmailIndex";

    /// <summary>The name of the unique index on (tenant, login provider, provider key) of external logins.</summary>
    public const string LoginIndexName = "LoginIndex";

    private static readonly Type[] IdentityTypes =
    [
        typeof(IdentityUser<>), typeof(IdentityRole<>), typeof(IdentityUserClaim<>), typeof(IdentityUserRole<>),
        typeof(IdentityUserLogin<>), typeof(IdentityUserToken<>), typeof(IdentityRoleClaim<>),
    ];

    /// <summary>
    /// Marks every Identity entity type of the model (users, roles, user claims, user roles, logins, tokens, role claims:
    /// the classes deriving from <see cref="IdentityUser{TKey}"/>, <see cref="IdentityRole{TKey}"/> and the others)
    /// tenant-owned, with TenantKit's tenant column (a shadow <c>TenantId</c> unless the class declares its own through
    /// <see cref="ITenantOwned"/> or <see cref="TenantOwnedAttribute"/>). TenantKit then puts the tenant column first in
    /// Identity's unique indexes (<c>UserNameIndex</c>, <c>RoleNameIndex</c>), filters every query by the tenant and
    /// stamps every new row. The e-mail index (<c>EmailIndex</c>) gets the tenant column too, and is made unique with
    /// <paramref name="uniqueEmails"/>. External logins are keyed by (user, login provider, provider key) instead of
    /// Identity's (login provider, provider key), with a unique index on (tenant, login provider, provider key)
    /// (<c>LoginIndex</c>): the same external account can be linked at several tenants, once in each.
    /// Call it at the end of <c>OnModelCreating</c>, after <c>base.OnModelCreating</c>.
    /// </summary>
    /// <param name="builder">The model builder of an Identity context.</param>
    /// <param name="uniqueEmails">Makes (tenant, normalized e-mail) unique in the database, as well as in Identity's
    /// validation (<c>IdentityOptions.User.RequireUniqueEmail</c>). <value>The default is <see langword="false"/>.</value></param>
    /// <returns>The same builder.</returns>
    public static ModelBuilder ConfigureTenantIdentity(this ModelBuilder builder, bool uniqueEmails = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var found = false;
        foreach (var entityType in builder.Model.GetEntityTypes().ToList())
        {
            var clrType = entityType.ClrType;
            if (entityType.BaseType is not null || entityType.HasSharedClrType || !IsIdentityType(clrType))
            {
                continue;
            }

            found = true;
            var entity = builder.Entity(clrType);
            var tenantProperty = TenantPropertyOf(entityType.FindAnnotation(TenantQueryFilter.PropertyAnnotation)?.Value as string, clrType);
            if (tenantProperty is null)
            {
                entity.IsTenantOwned();
                tenantProperty = TenantQueryFilter.DefaultPropertyName;
            }

            if (IsGenericSubclass(clrType, typeof(IdentityUser<>)))
            {
                var emailIndex = entityType.GetIndexes().FirstOrDefault(i => i.GetDatabaseName() == EmailIndexName || i.Name == EmailIndexName);
                if (emailIndex is not null)
                {
                    entityType.RemoveIndex(emailIndex);
                }

                entity.Property<string>(tenantProperty);
                entity.HasIndex(tenantProperty, nameof(IdentityUser.NormalizedEmail)).HasDatabaseName(EmailIndexName).IsUnique(uniqueEmails);
            }

            if (IsGenericSubclass(clrType, typeof(IdentityUserLogin<>)))
            {
                // Identity's key (LoginProvider, ProviderKey) is global: with shared tables, an external account linked at
                // one tenant could not be linked at another. The key takes the user (ids are unique across tenants, and
                // known when the row is added, unlike the tenant, stamped on save), and (tenant, provider, key) stays
                // unique: one user per external account in each tenant.
                entity.HasKey(nameof(IdentityUserLogin<string>.UserId), nameof(IdentityUserLogin<string>.LoginProvider), nameof(IdentityUserLogin<string>.ProviderKey));
                entity.Property<string>(tenantProperty);
                entity.HasIndex(tenantProperty, nameof(IdentityUserLogin<string>.LoginProvider), nameof(IdentityUserLogin<string>.ProviderKey))
                    .HasDatabaseName(LoginIndexName).IsUnique();
            }
        }

        if (!found)
        {
            throw new InvalidOperationException(
                "ConfigureTenantIdentity found no Identity entity type in the model: call it after base.OnModelCreating(builder) in an IdentityDbContext.");
        }

        return builder;
    }

    private static string? TenantPropertyOf(string? fluent, Type clrType)
    {
        if (fluent is not null)
        {
            return fluent;
        }

        if (clrType.GetCustomAttribute<TenantOwnedAttribute>(inherit: true) is { } attribute)
        {
            return attribute.PropertyName;
        }

        return typeof(ITenantOwned).IsAssignableFrom(clrType) ? nameof(ITenantOwned.TenantId) : null;
    }

    private static bool IsIdentityType(Type type)
    {
        foreach (var identityType in IdentityTypes)
        {
            if (IsGenericSubclass(type, identityType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsGenericSubclass(Type? type, Type openGeneric)
    {
        for (; type is not null && type != typeof(object); type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == openGeneric)
            {
                return true;
            }
        }

        return false;
    }
}
