global using TenantKit.Authentication.Tests.Infrastructure;
