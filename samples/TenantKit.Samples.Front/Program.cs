using TenantKit.Samples.Front.Hosting;

// TenantKit's sample front: a YARP reverse proxy in front of the sample SaaS application's nodes, sending each tenant's
// requests to one node (the TenantAffinity policy of TenantKit.Yarp). Everything comes from configuration
// (appsettings.json, environment variables, the command line): the nodes (TENANTKIT_CLUSTER_BACKENDS, as eng/cluster.sh
// sets it, or YARP's ReverseProxy section), the port (Urls), how a request names its tenant (Front:Tenants, the same
// templates as the sample's nodes), the health checks (ReverseProxy:Clusters:nodes:HealthCheck). See README.md.
// Its appsettings.json is found beside the program, whatever folder it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var configuration = builder.Configuration;

// TENANTKIT_CLUSTER_BACKENDS ("http://localhost:5081 http://localhost:5082") becomes destinations node-1, node-2... of
// the cluster "nodes": read before the proxy's configuration is.
FrontConfiguration.AddClusterBackends(configuration);
FrontConfiguration.ThrowIfNoDestination(configuration);
var tenants = FrontConfiguration.Tenants(configuration);

builder.Services.AddReverseProxy()
    .LoadFromConfig(configuration.GetSection(FrontConfiguration.ProxySection))
    // The tenant is read as the nodes read it: their host template first, then their path fallback.
    .AddTenantAffinity(tenants.Apply, options => configuration.GetSection(FrontConfiguration.AffinitySection).Bind(options));

var app = builder.Build();
app.MapReverseProxy(proxy => proxy.UseTenantAffinity());
app.Lifetime.ApplicationStarted.Register(() => FrontConfiguration.PrintBanner(app));
app.Run();
