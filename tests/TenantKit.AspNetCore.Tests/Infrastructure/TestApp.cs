using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TenantKit.AspNetCore.Tests.Infrastructure;

/// <summary>Builds real WebApplications on the in-process test server, with a fixed set of tenants.</summary>
internal static class TestApp
{
    public const string Domain = "example.com";

    public static TenantDraft[] Tenants =>
    [
        new("acme") { Id = "t-acme", Name = "Acme", Properties = new Dictionary<string, string> { ["Greeting"] = "Hello from Acme", ["Plan"] = "free" } },
        new("globex") { Id = "t-globex", Name = "Globex", Properties = new Dictionary<string, string> { ["Greeting"] = "Hello from Globex", ["Plan"] = "pro" } },
        new("initech") { Id = "t-initech", Name = "Initech", Properties = new Dictionary<string, string> { ["RateLimit:PermitLimit"] = "3", ["RateLimit:Window"] = "01:00:00" } },
        new("dormant") { Id = "t-dormant", Name = "Dormant", State = TenantState.Suspended },
        new("xn--bcher-kva") { Id = "t-buecher", Name = "Bücher" },
        new("overseas") { Id = "t-overseas", Name = "Overseas", Region = "us-east" },
    ];

    public static readonly string[] TenantIdentifiers = ["acme", "globex", "initech", "dormant", "xn--bcher-kva", "overseas"];

    public static async Task<WebApplication> StartAsync(
        Action<TenantKitBuilder> tenancy,
        Action<WebApplication> pipeline,
        Action<IServiceCollection>? services = null,
        bool kestrel = false,
        string environment = "Production")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<HostClock>();
        services?.Invoke(builder.Services);
        builder.Services.AddTenantKit(b =>
        {
            b.WithInMemoryStore(Tenants);
            b.ConfigureTenantServices((_, s) => s.AddSingleton<TenantCounter>());
            b.ConfigureTenantOptions<GreetingOptions>((tenant, o) => o.Text = tenant.GetProperty("Greeting") ?? "Hello from " + tenant.Name);
            tenancy(b);
        });
        var app = builder.Build();
        pipeline(app);
        await app.StartAsync();
        return app;
    }

    /// <summary>The usual pipeline: UseTenantKit and a probe endpoint at <c>/whoami</c>.</summary>
    public static void Standard(WebApplication app)
    {
        app.UseTenantKit();
        MapProbe(app);
    }


    public static RouteHandlerBuilder MapProbe(IEndpointRouteBuilder app, string pattern = "/whoami")
        => app.MapGet(pattern, (HttpContext context) => Probe.Read(context));

    public static HttpRequestMessage Get(string host, string path = "/whoami")
        => new(HttpMethod.Get, $"http://{host}{path}");

    public static async Task<Probe> GetProbeAsync(this HttpClient client, string host, string path = "/whoami")
    {
        using var response = await client.SendAsync(Get(host, path));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Probe>())!;
    }

    public static ITenantRuntime Runtime(this WebApplication app) => app.Services.GetRequiredService<ITenantRuntime>();
}

/// <summary>What a request saw of its tenant, returned by the probe endpoint.</summary>
public sealed record Probe(
    string? Tenant,
    string? AmbientTenant,
    bool AmbientIsHost,
    bool AmbientHasServices,
    string? Greeting,
    string HostClock,
    string? TenantCounter,
    string PathBase,
    string Path)
{
    public static Probe Read(HttpContext context)
    {
        var services = context.RequestServices;
        var ambient = services.GetRequiredService<ITenantContextAccessor>().Current;
        return new Probe(
            context.GetTenant()?.Identifier,
            ambient?.Tenant?.Identifier,
            ambient?.IsHost ?? false,
            ambient?.Services is not null,
            services.GetService<IOptions<GreetingOptions>>()?.Value.Text,
            services.GetRequiredService<HostClock>().Id,
            services.GetService<TenantCounter>()?.Id,
            context.Request.PathBase.Value ?? string.Empty,
            context.Request.Path.Value ?? string.Empty);
    }
}

public sealed class GreetingOptions
{
    public string? Text { get; set; }
}

/// <summary>A host singleton: one instance shared by every tenant.</summary>
public sealed class HostClock
{
    public string Id { get; } = Guid.NewGuid().ToString("N");
}

/// <summary>A tenant singleton: one instance per tenant container.</summary>
public sealed class TenantCounter
{
    public string Id { get; } = Guid.NewGuid().ToString("N");
}

/// <summary>
/// An authentication scheme for tests: the user named by <c>X-Test-User</c>, with the claims in
/// <c>X-Test-Claims</c> (<c>type=value;type=value</c>). No header, no user.
/// </summary>
public sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Header";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var user = Request.Headers["X-Test-User"].ToString();
        if (user.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, user) };
        foreach (var pair in Request.Headers["X-Test-Claims"].ToString().Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            claims.Add(new Claim(parts[0], parts.Length > 1 ? parts[1] : string.Empty));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
