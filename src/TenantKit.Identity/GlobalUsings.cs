global using Microsoft.AspNetCore.Http;
global using Microsoft.AspNetCore.Identity;
global using TenantKit;
