using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.MultiNode.Node;
using TenantKit.MultiNode.Node.Data;
using TenantKit.MultiNode.Node.Hosting;
using TenantKit.Runtime;

// One application node of the multi-node tests: tenants at http://{tenant}.localhost:PORT/ (the tests send the Host
// header), the catalog and the tenants' shared tables in PostgreSQL, catalog changes announced to the other nodes on
// Redis. Start it with
//   dotnet TenantKit.MultiNode.Node.dll --urls http://127.0.0.1:0 --Node:Id=a --Node:AdminKey=secret \
//     --ConnectionStrings:Catalog="Host=127.0.0.1;..." --ConnectionStrings:Redis=127.0.0.1:6379 \
//     --TenantKit:Catalog:ChangePollInterval=00:00:05 --TenantKit:Catalog:FallbackChangePollInterval=00:00:01
// Once listening it prints "node-listening http://127.0.0.1:PORT" (the port the system chose for port 0).
var builder = WebApplication.CreateBuilder(args);
var configuration = builder.Configuration;
var node = NodeSettings.Read(configuration);

builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

var services = builder.Services;
services.AddSingleton(node);
if (node.ExitWhenInputCloses)
{
    services.AddHostedService<InputWatch>();
}

// The administration endpoints need an operator: the X-Admin-Key header with the node's key.
services.AddAuthentication()
    .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, _ => { });
services.AddAuthorization(o => o.AddPolicy(AdminKeyAuthenticationHandler.Policy, p => p
    .AddAuthenticationSchemes(AdminKeyAuthenticationHandler.SchemeName)
    .RequireAuthenticatedUser()));

var tenants = services.AddTenantKit()
    .WithEfCoreStore(o => o.UseNpgsql(node.CatalogConnectionString))
    .WithHostStrategy("{tenant}.localhost")
    .ConfigureData(o => o.ConnectionString = node.CatalogConnectionString)
    .BindTenantOptions<GreetingOptions>("Greeting")
    .ConfigureCatalog(o => configuration.GetSection("TenantKit:Catalog").Bind(o))
    .ConfigureRuntime(o => configuration.GetSection("TenantKit:Runtime").Bind(o));
if (node.Redis is not null)
{
    // Changes made on any node reach this one through Redis within about a second; while Redis is unreachable the node
    // polls the catalog's change log every FallbackChangePollInterval (and every ChangePollInterval while connected).
    tenants.UseRedisChangeFeed(node.Redis, o => o.NodeId = node.Id);

    // Tenants' rate-limit budgets are counted in Redis: a budget holds across the nodes (per node while Redis is down).
    tenants.UseRedisRateLimits(node.Redis);
}

// The "limited" policy: each tenant's budget from its RateLimit:PermitLimit and RateLimit:Window properties.
services.AddRateLimiter(o => o.AddTenantLimiter(limits => limits.DefaultLimit = null, policyName: "limited"));

services.AddTenantDbContext<NotesDbContext>((location, _, o) => o.UseNpgsql(location.ConnectionString));
services.AddHostedService<NotesTables>();

var health = services.AddHealthChecks().AddTenantKitHealthChecks();
if (node.Redis is not null)
{
    health.AddTenantKitRedisChangeFeed().AddTenantKitRedisRateLimits();
}

var app = builder.Build();
app.UseTenantKit();
app.UseRateLimiter();

app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthJson.WriteAsync }).ExcludeFromTenantResolution();
app.MapTenantAdministration("/admin/tenants", AdminKeyAuthenticationHandler.Policy);

// What this node's runtime holds: resident tenants (all, and those whose identifier starts with `prefix`), builds and
// unloads since start, and the process's memory. For the affinity tests and the scale tool's affinity mode.
app.MapGet("/runtime", (ITenantRuntime runtime, string? prefix) =>
{
    var counts = runtime.Counts;
    var resident = prefix is null
        ? counts.Resident
        : runtime.GetStatuses().Count(s => s.IsResident && s.Identifier.StartsWith(prefix, StringComparison.Ordinal));
    return Results.Ok(new RuntimeResource(node.Id, resident, counts.Resident, counts.Builds, counts.Unloads, GC.GetTotalMemory(false), Environment.WorkingSet));
}).ExcludeFromTenantResolution();

// Who served this request: the node, the tenant as the request saw it, and the tenant's options as its container built them.
app.MapGet("/whoami", (HttpContext http) => Results.Ok(WhoAmI(http))).RequireTenant();

// The same, under the tenant's rate limit.
app.MapGet("/limited", (HttpContext http) => Results.Ok(WhoAmI(http))).RequireTenant().RequireRateLimiting("limited");

// The same, after a wait: a request still running when a test kills the node.
app.MapGet("/slow", async (HttpContext http, int ms) =>
{
    Console.Out.WriteLine($"slow-request-started {http.GetRequiredTenant().Identifier}");
    await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, 60_000)), http.RequestAborted);
    return Results.Ok(WhoAmI(http));
}).RequireTenant();

app.MapGet("/notes", async ([FromServices] NotesDbContext db, CancellationToken cancellationToken) =>
    Results.Ok(await db.Notes.OrderBy(n => n.Id).Select(n => new NoteResource(n.Id, n.TenantId, n.Text, n.Node)).ToListAsync(cancellationToken)))
    .RequireTenant();

app.MapPost("/notes", async (NoteInput input, [FromServices] NotesDbContext db, CancellationToken cancellationToken) =>
{
    if (string.IsNullOrWhiteSpace(input.Text) || input.Text.Length > Note.MaxTextLength)
    {
        return Results.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [$"1 to {Note.MaxTextLength} characters."] });
    }

    var note = new Note { Text = input.Text, Node = node.Id };
    db.Notes.Add(note);
    await db.SaveChangesAsync(cancellationToken);
    return Results.Created($"/notes/{note.Id}", new NoteResource(note.Id, note.TenantId, note.Text, note.Node));
}).RequireTenant();

// A write whose transaction stays open for a while (the row inserted, not committed): a test kills the node meanwhile.
app.MapPost("/notes/slow", async (NoteInput input, int ms, HttpContext http, [FromServices] NotesDbContext db) =>
{
    await using var transaction = await db.Database.BeginTransactionAsync(http.RequestAborted);
    db.Notes.Add(new Note { Text = input.Text, Node = node.Id });
    await db.SaveChangesAsync(http.RequestAborted);
    Console.Out.WriteLine($"slow-write-pending {http.GetRequiredTenant().Identifier}");
    await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, 60_000)), http.RequestAborted);
    await transaction.CommitAsync(http.RequestAborted);
    return Results.NoContent();
}).RequireTenant();

app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
    Console.Out.WriteLine($"node-listening {addresses.First()}");
});

app.Run();

WhoAmIResource WhoAmI(HttpContext http)
{
    var tenant = http.GetRequiredTenant();
    var greeting = http.RequestServices.GetRequiredService<IOptions<GreetingOptions>>().Value;
    var generation = http.RequestServices.GetRequiredService<ITenantRuntime>().GetStatus(tenant.Id)?.Generation;
    return new WhoAmIResource(node.Id, tenant.Id, tenant.Identifier, tenant.Name, tenant.Version, greeting.Text, tenant.Properties, generation);
}

internal sealed record WhoAmIResource(
    string Node,
    string TenantId,
    string Identifier,
    string? Name,
    long Version,
    string Greeting,
    IReadOnlyDictionary<string, string> Properties,
    long? Generation);

internal sealed record NoteInput(string Text);

internal sealed record RuntimeResource(string Node, int Resident, int ResidentTotal, long Builds, long Unloads, long ManagedHeapBytes, long WorkingSetBytes);

internal sealed record NoteResource(long Id, string TenantId, string Text, string Node);
