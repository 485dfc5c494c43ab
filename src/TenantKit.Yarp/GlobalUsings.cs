global using Microsoft.AspNetCore.Http;
global using TenantKit;
global using TenantKit.Resolution;
