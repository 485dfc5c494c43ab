using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.RateLimiting;
using TenantKit;
using TenantKit.Samples.Saas.Data;
using TenantKit.Samples.Saas.Hosting;
using TenantKit.Samples.Saas.Identity;
using TenantKit.Samples.Saas.Tenancy;
using TenantKit.Data;
using TenantKit.Runtime;

// TenantKit's sample SaaS application: tenants at http://{tenant}.localhost:5080/ and http://localhost:5080/t/{tenant}/,
// the host console at http://localhost:5080/console. See README.md at the repository root for a tour.
var builder = WebApplication.CreateBuilder(args);
var services = builder.Services;
var configuration = builder.Configuration;

// Settings are read when services are built (not here), so tests and the command line can change every one of them.
services.AddOptions<SampleOptions>().Bind(configuration.GetSection(SampleOptions.Section));
services.AddSingleton<SampleDatabase>();
services.AddSingleton<SamplePlans>();
services.AddRouting(o => o.LowercaseUrls = true);
services.AddRazorPages(o =>
{
    o.Conventions.AuthorizeFolder("/Console");
    o.Conventions.AllowAnonymousToPage("/Console/SignIn");
    o.Conventions.AuthorizeFolder("/Admin");
}).AddMvcOptions(o => o.Filters.Add<PageMethodFilter>());

// Every error status the framework answers without a body (404 for an unknown path, 405 for a method a page does not
// handle) becomes an RFC 9457 problem document, like TenantKit's own refusals.
services.AddProblemDetails();

// Two kinds of sign-in. The host console signs in with a cookie of its own (Sample:Host); each tenant's people sign in
// with ASP.NET Core Identity, as users of that tenant only (TenantKit.Identity below). The default scheme picks one by
// where the request is: Identity's cookie inside a tenant, the console's on the bare host name. Authentication runs
// inside each request's tenant (UseTenantKit adds it there), and IsolateAuthentication below gives each tenant its own
// data protection and cookie names: a cookie of acme means nothing at globex or at the host, and the reverse.
const string SignInScheme = "sample";
services.AddAuthentication(SignInScheme)
    .AddPolicyScheme(SignInScheme, "Tenant users or the host", o => o.ForwardDefaultSelector = context =>
        context.GetTenant() is null ? CookieAuthenticationDefaults.AuthenticationScheme : IdentityConstants.ApplicationScheme)
    .AddCookie(o =>
    {
        o.LoginPath = "/console/signin";
        o.LogoutPath = "/console/signout";
        o.Cookie.Name = "tenantkit-sample-host";
        o.ExpireTimeSpan = TimeSpan.FromHours(8);
        o.SlidingExpiration = true;
    })
    .AddIdentityCookies();
services.ConfigureApplicationCookie(o =>
{
    o.LoginPath = "/account/signin";
    o.LogoutPath = "/account/signout";
    o.AccessDeniedPath = "/account/signin";
});

// Each tenant's users and roles live with its notes (shared tables or its own database), and the same e-mail registers
// at acme and at globex independently. AddTenantKit() binds Identity to the tenant: the tenant claim in every sign-in,
// checked at every request, and lockout on the application's TimeProvider.
services.AddTenantDbContext<SampleIdentityContext>((location, sp, o) => sp.GetRequiredService<SampleDatabase>().Configure(o, location.ConnectionString!));
services.AddIdentityCore<SampleUser>(o => o.User.RequireUniqueEmail = true)
    .AddRoles<IdentityRole>()
    .AddSignInManager()
    .AddEntityFrameworkStores<SampleIdentityContext>()
    .AddDefaultTokenProviders()
    .AddTenantKit();
services.AddSingleton<SampleAccounts>();
services.AddAuthorization();

// Data protection keys (cookies, antiforgery) live with the sample's data, so sign-ins survive a restart.
services.AddDataProtection();
services.AddOptions<KeyManagementOptions>().Configure<SampleDatabase, ILoggerFactory>((o, database, logging) =>
{
    if (database.DataPath is { } path)
    {
        o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(Path.Combine(path, "keys")), logging);
    }
});

// Each tenant gets the request budget of its plan (the tenant property "TenantKit:Plan", which also gives the plan's
// features), partitioned by tenant.
services.AddRateLimiter(_ => { });
services.AddOptions<RateLimiterOptions>().Configure<SamplePlans>((o, plans) => o.AddTenantLimiter(plans.Apply));

services.AddTenantKit(tenants => tenants
    // The catalog: tenants are kept in the database, through EF Core.
    .WithEfCoreStore((sp, o) =>
    {
        var database = sp.GetRequiredService<SampleDatabase>();
        database.Configure(o, database.SharedConnectionString);
    }, store => configuration.GetSection(SampleCluster.StoreSection).Bind(store))
    // Resolution: acme.localhost:5080 first, then the path fallback localhost:5080/t/acme/.
    .WithHostStrategy("{tenant}.localhost")
    .WithPathBaseStrategy("/t/{tenant}")
    // Per-tenant options from tenant properties (Branding:Color, Branding:Tagline).
    .BindTenantOptions<BrandingOptions>("Branding")
    .IsolateAuthentication()
    // Features: "reports" (the Reports page) comes with the pro plan; the console adds or removes it per tenant.
    .AddSampleFeatures()
    // Each tenant's tables are created where its rows live when it is first loaded.
    .ProvisionTenantDatabases<NotesDbContext>()
    .ProvisionTenantDatabases<SampleIdentityContext>()
    // Several nodes: TenantKit:Catalog settings, and with ConnectionStrings:Redis the Redis change feed and rate limits;
    // health checks and the administration endpoints' policy (Hosting/SampleCluster.cs, docs/deployment.md).
    .AddSampleCluster(configuration));

// The data layer: shared tables in the shared database, or (tenant property TenantKit:Isolation=DatabasePerTenant) a
// database of the tenant's own, from the template.
services.AddOptions<TenantDataOptions>().Configure<SampleDatabase>((o, database) =>
{
    o.ConnectionString = database.SharedConnectionString;
    o.ConnectionStringTemplate = database.TenantConnectionStringTemplate;
});
services.AddTenantDbContext<NotesDbContext>((location, sp, o) => sp.GetRequiredService<SampleDatabase>().Configure(o, location.ConnectionString!));

// The runtime: TenantKit:Runtime:IdleTimeout and friends come from configuration (appsettings.json).
services.AddOptions<TenantRuntimeOptions>()
    .Bind(configuration.GetSection(SampleCluster.RuntimeSection))
    .Configure<IHostEnvironment>((o, environment) => o.ValidateScopes |= environment.IsDevelopment());

services.AddHostedService<SampleSeeder>();

var app = builder.Build();

// With Sample:NodeName set (eng/cluster.sh), every response names the node that answered (X-Sample-Node).
app.UseNodeNameHeader();

// Only this application's host names are answered: tenant hosts ({tenant}.localhost) and the host's own (localhost,
// plus Sample:AllowedHosts), so no redirect or link is ever built from a Host header an attacker chose.
app.UseTenantHostFiltering(o =>
{
    o.AllowedHosts.Add("localhost");
    foreach (var host in configuration.GetSection("Sample:AllowedHosts").Get<string[]>() ?? [])
    {
        o.AllowedHosts.Add(host);
    }
});

app.UseStatusCodePages();

// The stylesheet is the same for everyone: served before tenant resolution.
app.UseStaticFiles();
app.UseTenantKit();
app.UseRateLimiter();
app.MapRazorPages();
app.MapSampleOperations();

app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app.Services));
app.Run();

/// <summary>The entry point, visible to the tests' <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
