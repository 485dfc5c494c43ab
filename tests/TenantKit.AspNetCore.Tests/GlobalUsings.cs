global using TenantKit.AspNetCore.Tests.Infrastructure;
