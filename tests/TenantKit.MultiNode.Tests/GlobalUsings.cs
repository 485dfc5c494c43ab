global using System.Net;
global using TenantKit.MultiNode.Tests.Infrastructure;
global using TenantKit.Testing;
global using Xunit.Abstractions;
