using Microsoft.EntityFrameworkCore;

namespace TenantKit.Identity.Tests.Infrastructure;

public sealed class AppUser : IdentityUser
{
}

public sealed class AppIdentityContext(DbContextOptions<AppIdentityContext> options) : TenantIdentityDbContext<AppUser, IdentityRole>(options);
