global using Microsoft.Extensions.DependencyInjection;
global using TenantKit.Redis.Tests.Infrastructure;
global using TenantKit.Testing;
