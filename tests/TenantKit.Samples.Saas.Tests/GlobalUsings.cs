global using System.Net;
global using TenantKit.Samples.Saas.Tests.Infrastructure;
