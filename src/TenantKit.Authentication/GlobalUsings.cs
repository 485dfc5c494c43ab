global using System.Diagnostics.CodeAnalysis;
global using Microsoft.AspNetCore.Http;
global using TenantKit;
