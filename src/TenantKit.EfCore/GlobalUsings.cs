global using TenantKit;
global using TenantKit.Catalog;
global using TenantKit.Data;
global using TenantKit.Diagnostics;
global using TenantKit.Resolution;
global using TenantKit.Runtime;
global using TenantKit.Stores;
