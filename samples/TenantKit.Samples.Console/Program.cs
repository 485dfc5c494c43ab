// A console tour of TenantKit's core: the host creates tenants, work runs per tenant in each tenant's own container,
// a suspended tenant is refused, and an idle tenant leaves memory.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit;
using TenantKit.Runtime;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// Application services, shared by every tenant (a host singleton) or per tenant (options, scoped services).
builder.Services.AddSingleton<Clock>();
builder.Services.AddScoped<Greeter>();
builder.Services.Configure<BrandingOptions>(o => o.Color = "grey");

builder.Services.AddTenantKit(tenants => tenants
    .WithInMemoryStore(new TenantDraft("acme") { Name = "Acme Corp", Properties = new Dictionary<string, string> { ["Branding:Color"] = "red" } })
    .BindTenantOptions<BrandingOptions>("Branding")
    .ConfigureTenantServices((tenant, services) => services.AddSingleton<VisitCounter>())
    .ConfigureRuntime(runtime => runtime.IdleTimeout = TimeSpan.FromSeconds(2)));

using var host = builder.Build();
await host.StartAsync();

var context = host.Services.GetRequiredService<ITenantContextAccessor>();
var admin = host.Services.GetRequiredService<ITenantAdministration>();
var executor = host.Services.GetRequiredService<ITenantExecutor>();
var runtime = host.Services.GetRequiredService<ITenantRuntime>();

// Only the host administers tenants.
TenantInfo globex;
using (context.BeginHostScope())
{
    globex = await admin.CreateAsync(new TenantDraft("globex")
    {
        Name = "Globex",
        Owner = "globex-inc",
        Properties = new Dictionary<string, string> { ["Branding:Color"] = "blue" },
    });
    Console.WriteLine($"Host created tenant {globex}.");
}

// Work runs inside each tenant's own container: its own singletons, options and scoped services.
foreach (var identifier in new[] { "acme", "globex", "acme" })
{
    var line = await executor.RunAsync(identifier, (services, _) => Task.FromResult(services.GetRequiredService<Greeter>().Greet()));
    Console.WriteLine(line);
}

// A background job that visits every active tenant.
var batch = await executor.RunForEachActiveAsync((tenant, services, _) =>
{
    Console.WriteLine($"  nightly job ran for {tenant.Identifier}");
    return Task.CompletedTask;
});
Console.WriteLine($"Nightly job: {batch.Succeeded} tenant(s) done, {batch.Failures.Count} failed.");

// Suspended tenants are refused and leave memory.
using (context.BeginHostScope())
{
    await admin.SuspendAsync(globex.Id);
}

try
{
    await executor.RunAsync("globex", (_, _) => Task.CompletedTask);
}
catch (TenantSuspendedException ex)
{
    Console.WriteLine($"Refused: {ex.Message}");
}

// Idle tenants leave memory after the idle timeout (2 seconds here; 30 minutes by default).
Console.WriteLine($"Resident now: {runtime.Counts.Resident}. Waiting for the idle timeout...");
for (var i = 0; i < 50 && runtime.Counts.Resident > 0; i++)
{
    await Task.Delay(200);
}

Console.WriteLine($"Resident after idling: {runtime.Counts.Resident}; unloads so far: {runtime.Counts.Unloads}.");
await host.StopAsync();

internal sealed class BrandingOptions
{
    public string Color { get; set; } = "";
}

internal sealed class Clock
{
    public DateTimeOffset Started { get; } = TimeProvider.System.GetUtcNow();
}

internal sealed class VisitCounter
{
    private int _visits;

    public int Next() => Interlocked.Increment(ref _visits);
}

internal sealed class Greeter(TenantInfo tenant, VisitCounter visits, IOptions<BrandingOptions> branding, Clock clock)
{
    public string Greet() =>
        $"Hello from {tenant.Name} ({tenant.Identifier}): visit #{visits.Next()} of this tenant, color {branding.Value.Color}, host clock started {clock.Started:HH:mm:ss}.";
}
