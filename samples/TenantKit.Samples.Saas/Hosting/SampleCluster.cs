using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TenantKit.Samples.Saas.Hosting;

/// <summary>
/// What the sample needs to run as one node of several, all from configuration (appsettings.json, environment variables
/// such as <c>TenantKit__Catalog__ChangePollInterval</c>, or the command line):
/// <list type="bullet">
/// <item><c>ConnectionStrings:Postgres</c>: the shared catalog and tables on PostgreSQL (<see cref="Data.SampleDatabase"/>);
/// without it the sample is a single node on SQLite files.</item>
/// <item><c>ConnectionStrings:Redis</c>: catalog changes announced to the other nodes on Redis within about a second,
/// and tenants' rate limits counted in Redis across the nodes; without it each node learns of the others' changes by
/// polling the catalog every <c>TenantKit:Catalog:ChangePollInterval</c> and counts rate limits on its own.</item>
/// <item><c>TenantKit:Catalog</c> (cache and polling), <c>TenantKit:Store</c> (change log size),
/// <c>TenantKit:Runtime</c> (idle timeout, capacity...), <c>TenantKit:Redis:ChangeFeed</c> (channel, node id) and
/// <c>TenantKit:Redis:RateLimits</c> (key prefix): every property of the matching TenantKit options class.</item>
/// </list>
/// Also maps what an operator of several nodes needs: <c>GET /health</c> (JSON, every check with its status) and the
/// host administration endpoints under <c>/admin/tenants</c>, for the signed-in host console user or a caller with the
/// <c>X-Admin-Key</c> header (<see cref="AdminKeyAuthenticationHandler"/>).
/// </summary>
public static class SampleCluster
{
    /// <summary>The configuration key of the Redis server (a StackExchange.Redis configuration string).</summary>
    public const string RedisKey = "ConnectionStrings:Redis";

    /// <summary>The section bound to <c>TenantCatalogOptions</c>.</summary>
    public const string CatalogSection = "TenantKit:Catalog";

    /// <summary>The section bound to <c>EfCoreTenantStoreOptions</c>.</summary>
    public const string StoreSection = "TenantKit:Store";

    /// <summary>The section bound to <c>TenantRuntimeOptions</c>.</summary>
    public const string RuntimeSection = "TenantKit:Runtime";

    /// <summary>The section bound to <c>RedisChangeFeedOptions</c> (when <see cref="RedisKey"/> is set).</summary>
    public const string ChangeFeedSection = "TenantKit:Redis:ChangeFeed";

    /// <summary>The section bound to <c>RedisRateLimitOptions</c> (when <see cref="RedisKey"/> is set).</summary>
    public const string RateLimitsSection = "TenantKit:Redis:RateLimits";

    /// <summary>Where the host administration endpoints are mapped.</summary>
    public const string AdministrationPath = "/admin/tenants";

    /// <summary>The policy of the host administration endpoints.</summary>
    public const string AdministrationPolicy = "TenantAdministration";

    /// <summary>Where the health report is served, on any host name the sample answers.</summary>
    public const string HealthPath = "/health";

    /// <summary>
    /// Binds the catalog's options, and with <see cref="RedisKey"/> set, adds the Redis change feed and the Redis rate
    /// limits; adds the health checks and the administration policy. The Redis choice is made here, when the
    /// application's services are registered.
    /// </summary>
    public static TenantKitBuilder AddSampleCluster(this TenantKitBuilder tenants, IConfiguration configuration)
    {
        tenants.ConfigureCatalog(o => configuration.GetSection(CatalogSection).Bind(o));
        var health = tenants.Services.AddHealthChecks().AddTenantKitHealthChecks();
        if (configuration[RedisKey] is { Length: > 0 } redis && !string.IsNullOrWhiteSpace(redis))
        {
            tenants
                .UseRedisChangeFeed(redis, o => configuration.GetSection(ChangeFeedSection).Bind(o))
                .UseRedisRateLimits(redis, o => configuration.GetSection(RateLimitsSection).Bind(o));
            health.AddTenantKitRedisChangeFeed().AddTenantKitRedisRateLimits();
        }

        // The administration endpoints: the host console's signed-in user (cookie), or an operator's X-Admin-Key.
        tenants.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, _ => { });
        tenants.Services.AddAuthorizationBuilder().AddPolicy(AdministrationPolicy, p => p
            .AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme, AdminKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());
        return tenants;
    }

    /// <summary>Maps <see cref="HealthPath"/> (outside tenant resolution) and the host administration endpoints.</summary>
    public static WebApplication MapSampleOperations(this WebApplication app)
    {
        // Degraded (Redis down: the node polls instead) still answers 200: such a node serves correctly and must stay in
        // a load balancer's rotation. Unhealthy (the catalog does not answer) answers 503.
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).ExcludeFromTenantResolution();
        app.MapTenantAdministration(AdministrationPath, AdministrationPolicy);
        return app;
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        var checks = new Dictionary<string, HealthEntry>(StringComparer.Ordinal);
        foreach (var (name, entry) in report.Entries)
        {
            checks[name] = new HealthEntry(entry.Status.ToString(), entry.Description);
        }

        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new HealthDocument(report.Status.ToString(), checks), JsonSerializerOptions.Web, context.RequestAborted);
    }

    private sealed record HealthDocument(string Status, Dictionary<string, HealthEntry> Checks);

    private sealed record HealthEntry(string Status, string? Description);
}
