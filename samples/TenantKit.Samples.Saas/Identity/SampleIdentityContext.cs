using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TenantKit.Identity;

namespace TenantKit.Samples.Saas.Identity;

/// <summary>
/// The tenants' users and roles, tenant-owned like the notes (<see cref="TenantIdentityDbContext{TUser, TRole}"/>): every
/// query is filtered to the request's tenant, and Identity's unique indexes include the tenant.
/// </summary>
public sealed class SampleIdentityContext(DbContextOptions<SampleIdentityContext> options)
    : TenantIdentityDbContext<SampleUser, IdentityRole>(options);
