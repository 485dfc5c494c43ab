using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace TenantKit.Identity;

/// <summary>
/// An Identity <see cref="DbContext"/> whose users, roles, user claims, logins, tokens and role claims belong to their
/// tenant: it is <see cref="IdentityDbContext{TUser, TRole, TKey}"/> with
/// <see cref="TenantIdentityModelBuilderExtensions.ConfigureTenantIdentity"/> applied after Identity's own model.
/// Register it with <c>AddTenantDbContext</c> so each tenant's container gets a context bound to that tenant.
/// </summary>
/// <typeparam name="TUser">The user type.</typeparam>
/// <typeparam name="TRole">The role type.</typeparam>
public class TenantIdentityDbContext<TUser, TRole> : IdentityDbContext<TUser, TRole, string>
    where TUser : IdentityUser
    where TRole : IdentityRole
{
    /// <summary>Creates the context.</summary>
    /// <param name="options">The options (a derived context passes its <c>DbContextOptions&lt;TContext&gt;</c>).</param>
    public TenantIdentityDbContext(DbContextOptions options)
        : base(options)
    {
    }

    /// <summary>Builds Identity's model, then makes its entity types tenant-owned.</summary>
    /// <param name="builder">The model builder.</param>
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ConfigureTenantIdentity();
    }
}
