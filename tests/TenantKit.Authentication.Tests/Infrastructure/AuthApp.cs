using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace TenantKit.Authentication.Tests.Infrastructure;

/// <summary>
/// A real WebApplication on the test server with tenants whose authentication settings differ: acme and globex name
/// their own authorities, umbrella publishes an ECDSA key in its properties, hooli is configured in appsettings, initech
/// has nothing. The application's own scheme configuration names a host authority that no tenant may use.
/// </summary>
internal sealed class AuthApp : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private AuthApp(WebApplication app, FakeIdentityProvider idp, FakeTimeProvider time)
    {
        App = app;
        Idp = idp;
        Time = time;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public FakeIdentityProvider Idp { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public static Authority Acme(FakeIdentityProvider idp) => idp["https://idp.test/acme"];

    public static TenantDraft[] Tenants(FakeIdentityProvider idp) =>
    [
        new("acme")
        {
            Id = "t-acme",
            Properties = new Dictionary<string, string>
            {
                ["Authentication:Jwt:Authority"] = "https://idp.test/acme",
                ["Authentication:Jwt:Audience"] = "api://acme",
                ["Authentication:Oidc:Authority"] = "https://idp.test/acme",
                ["Authentication:Oidc:ClientId"] = "acme-web",
                ["Authentication:Oidc:ResponseType"] = "id_token",
            },
        },
        new("globex")
        {
            Id = "t-globex",
            Properties = new Dictionary<string, string>
            {
                ["Authentication:Jwt:Authority"] = "https://idp.test/globex",
                ["Authentication:Jwt:Audience"] = "api://globex",
                ["Authentication:Oidc:Authority"] = "https://idp.test/globex",
                ["Authentication:Oidc:ClientId"] = "globex-web",
                ["Authentication:Oidc:ResponseType"] = "id_token",
            },
        },
        new("umbrella")
        {
            Id = "t-umbrella",
            Properties = new Dictionary<string, string>
            {
                ["Authentication:Jwt:Issuer"] = "https://umbrella.test",
                ["Authentication:Jwt:Audience"] = "api://umbrella",
                ["Authentication:Jwt:SigningKeys"] = idp["https://umbrella.test"].Jwks(),
            },
        },
        new("hooli") { Id = "t-hooli" },
        new("initech") { Id = "t-initech" },
        new("broken")
        {
            Id = "t-broken",
            Properties = new Dictionary<string, string>
            {
                ["Authentication:Jwt:Authority"] = "http://idp.test/broken",
                ["Authentication:Jwt:Audience"] = "api://broken",
            },
        },
    ];

    public static async Task<AuthApp> StartAsync(Action<TenantKitBuilder>? tenancy = null, Action<WebApplication>? pipeline = null)
    {
        var idp = new FakeIdentityProvider();
        foreach (var name in new[] { "acme", "acme-v2", "globex", "hooli", "host", "broken" })
        {
            idp.Add("https://idp.test/" + name);
        }

        idp.Add("https://umbrella.test", ecdsa: true);
        var time = new FakeTimeProvider(Epoch);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new LogCollector());
        builder.Logging.Services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<LogCollector>());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tenants:hooli:Authentication:Jwt:Authority"] = "https://idp.test/hooli",
            ["Tenants:hooli:Authentication:Jwt:Audience"] = "api://hooli",
            // What the framework itself would bind to the scheme: the host's, never a tenant's.
            ["Authentication:Schemes:Bearer:Authority"] = "https://idp.test/host",
            ["Authentication:Schemes:Bearer:ValidAudiences:0"] = "api://acme",
        });
        builder.Services.AddAuthorization();
        builder.Services
            .AddAuthentication(o =>
            {
                o.DefaultScheme = JwtBearerDefaults.AuthenticationScheme;
                o.DefaultSignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddJwtBearer(o =>
            {
                // The application's settings: transport and clock are kept for tenants, trust is not.
                o.BackchannelHttpHandler = idp;
                o.TimeProvider = time;
                o.Authority = "https://idp.test/host";
                o.Audience = "api://host";
            })
            .AddCookie()
            .AddOpenIdConnect(o =>
            {
                o.BackchannelHttpHandler = idp;
                o.TimeProvider = time;
                o.Authority = "https://idp.test/host";
                o.ClientId = "host-web";
                o.Events.OnRemoteFailure = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        builder.Services.AddTenantKit(t =>
        {
            t.WithInMemoryStore(Tenants(idp))
                .WithHostStrategy("{tenant}.example.com")
                .IsolateAuthentication()
                .WithTenantJwtBearer(o => o.ConfigurationSection = "Tenants:{tenant}:Authentication:Jwt")
                .WithTenantOpenIdConnect();
            tenancy?.Invoke(t);
        });

        var app = builder.Build();
        if (pipeline is null)
        {
            app.UseTenantKit();
            app.MapGet("/me", (HttpContext context) => $"{Subject(context)}@{context.GetTenant()?.Identifier ?? "host"}").RequireAuthorization();
            app.MapGet("/ticket", async (HttpContext context) =>
            {
                var result = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
                return result.Properties?.Items.TryGetValue(".tenantkit.tenant", out var tenant) == true ? tenant : "none";
            });
            app.MapGet("/signin", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/done" }, [OpenIdConnectDefaults.AuthenticationScheme]));
            app.MapGet("/cookie-me", (HttpContext context) => context.User.Identity?.IsAuthenticated == true ? Subject(context) : "anonymous")
                .RequireAuthorization(p => p.AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        }
        else
        {
            pipeline(app);
        }

        await app.StartAsync();
        return new AuthApp(app, idp, time);
    }

    /// <summary>The user's subject (the handlers map <c>sub</c> to the name identifier claim).</summary>
    public static string? Subject(HttpContext context)
        => (context.User.FindFirst("sub") ?? context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier))?.Value;

    public LogCollector Logs => App.Services.GetRequiredService<LogCollector>();

    public async Task<HttpResponseMessage> GetAsync(string host, string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{host}{path}");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>The status of <c>GET /me</c> at <paramref name="host"/> with <paramref name="token"/>.</summary>
    public async Task<HttpStatusCode> MeAsync(string host, string token)
    {
        using var response = await GetAsync(host, "/me", token);
        return response.StatusCode;
    }

    public async Task<IServiceProvider> ServicesOfAsync(string identifier)
    {
        var tenant = (await App.Services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync(identifier))!;
        var lease = await App.Services.GetRequiredService<ITenantRuntime>().AcquireAsync(tenant);
        lease.Dispose();
        return lease.Services;
    }

    public async Task<JwtBearerOptions> JwtOptionsOfAsync(string identifier)
        => (await ServicesOfAsync(identifier)).GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);

    public TenantRuntimeStatus Status(string tenantId) => App.Services.GetRequiredService<ITenantRuntime>().GetStatus(tenantId)!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Idp.Dispose();
    }
}
