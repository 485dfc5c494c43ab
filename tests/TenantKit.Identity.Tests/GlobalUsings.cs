global using Microsoft.AspNetCore.Identity;
global using TenantKit.EfCore.Tests.Infrastructure;
global using TenantKit.Identity;
global using TenantKit.Identity.Tests.Infrastructure;
