global using System.Net;
global using Microsoft.AspNetCore.Http;
global using TenantKit.MultiNode.Tests.Infrastructure;
global using TenantKit.Testing;
global using TenantKit.Yarp;
global using Microsoft.Extensions.DependencyInjection;
