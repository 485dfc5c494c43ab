using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantKit.Identity.Tests.Infrastructure;

/// <summary>
/// A web application with TenantKit, per-tenant Identity (API endpoints: bearer tokens and cookies) on a real database,
/// the tenant user administration endpoints, and a probe <c>/me</c>. Tenants: acme and globex in shared tables, initech in
/// a database of its own, and on PostgreSQL umbrella in a schema of its own (the hybrid).
/// </summary>
public sealed class IdentityApp : IAsyncDisposable
{
    public const string Password = "Passw0rd!long";

    public const string RegistrationPath = "/admin/tenants/with-administrator";

    private IdentityApp(WebApplication app)
    {
        App = app;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    public CapturingEmailSender Mail => Services.GetRequiredService<CapturingEmailSender>();

    public static TenantDraft[] Tenants(DatabaseFixture database)
    {
        List<TenantDraft> tenants =
        [
            new("acme") { Id = "t-acme", Name = "Acme", Properties = new Dictionary<string, string> { ["Identity:Password:RequiredLength"] = "12" } },
            new("globex") { Id = "t-globex", Name = "Globex" },
            new("initech")
            {
                Id = "t-initech",
                Name = "Initech",
                Properties = new Dictionary<string, string>
                {
                    ["TenantKit:Isolation"] = "DatabasePerTenant",
                    ["TenantKit:ConnectionString"] = database.NewDatabase("initech"),
                    ["Identity:SignIn:RequireConfirmedAccount"] = "true",
                },
            },
            new("acme1") { Id = "t-acme1", Name = "Acme look-alike" },
        ];
        if (database.SupportsSchemas)
        {
            tenants.Add(new("umbrella") { Id = "t-umbrella", Name = "Umbrella", Properties = new Dictionary<string, string> { ["TenantKit:Isolation"] = "SchemaPerTenant" } });
        }

        return [.. tenants];
    }

    public static async Task<IdentityApp> StartAsync(DatabaseFixture database, Action<TenantKitBuilder>? tenantKit = null, bool pathBase = false, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("IDENTITY_TEST_LOGS") == "1")
        {
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Debug);
        }
        var shared = database.NewDatabase("shared");
        builder.Services.AddTenantKit(t =>
        {
            t.WithInMemoryStore(Tenants(database));
            if (pathBase)
            {
                t.WithPathBaseStrategy("/t/{tenant}");
            }
            else
            {
                t.WithHostStrategy("{tenant}.example.com");
            }

            t.IsolateAuthentication();
            t.ConfigureData(d => d.ConnectionString = shared);
            t.ProvisionTenantDatabases<AppIdentityContext>();
            t.BindTenantOptions<IdentityOptions>("Identity");
            tenantKit?.Invoke(t);
        });
        builder.Services.AddTenantDbContext<AppIdentityContext>((location, _, options) =>
        {
            database.Configure(options, location.ConnectionString!);
            options.ConfigureWarnings(w => w.Throw(CoreEventId.ManyServiceProvidersCreatedWarning));
            options.AddInterceptors(SqliteWalInterceptor.Instance);
        });
        builder.Services.AddAuthorization(o => o.AddPolicy(HostKeyHandler.Policy, p => p.AddAuthenticationSchemes(HostKeyHandler.SchemeName).RequireAuthenticatedUser()));
        builder.Services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, HostKeyHandler>(HostKeyHandler.SchemeName, null);
        builder.Services.AddSingleton<CapturingEmailSender>();
        builder.Services.AddIdentityApiEndpoints<AppUser>(o => o.User.RequireUniqueEmail = true)
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppIdentityContext>()
            .AddTenantKit();
        builder.Services.AddTransient<IEmailSender<AppUser>>(sp => sp.GetRequiredService<CapturingEmailSender>());

        // A cheap hash, so thousands of sign-ins run in seconds; production keeps Identity's default (100,000).
        builder.Services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1);
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseTenantKit();
        app.MapIdentityApi<AppUser>();
        app.MapGet("/me", (HttpContext context) => context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name ?? "?" : "anonymous");
        app.MapTenantUserAdministration<AppUser, IdentityRole>();
        app.MapTenantRegistration(RegistrationPath, HostKeyHandler.Policy);
        await app.StartAsync();
        return new IdentityApp(app);
    }

    /// <summary>Creates a user (and its roles) in a tenant, through the host's logged tenant scope.</summary>
    public Task<string> CreateUserAsync(string tenant, string email, string password = Password, params string[] roles)
    {
        var host = Services.GetRequiredService<ITenantContextAccessor>();
        using (host.BeginHostScope())
        {
            return Services.GetRequiredService<ITenantIdentityAdministration>().RunAsTenantAsync(tenant, async (services, _) =>
            {
                var users = services.GetRequiredService<UserManager<AppUser>>();
                var roleManager = services.GetRequiredService<RoleManager<IdentityRole>>();
                var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true };
                Check(await users.CreateAsync(user, password));
                foreach (var role in roles)
                {
                    if (!await roleManager.RoleExistsAsync(role))
                    {
                        Check(await roleManager.CreateAsync(new IdentityRole(role)));
                    }

                    Check(await users.AddToRoleAsync(user, role));
                }

                return user.Id;
            });
        }
    }

    public Task<T> AsTenantAsync<T>(string tenant, Func<IServiceProvider, Task<T>> work)
        => Services.GetRequiredService<ITenantExecutor>().RunAsync(tenant, (services, _) => work(services));

    public static string Host(string tenant) => tenant.Length == 0 ? "example.com" : $"{tenant}.example.com";

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string tenant, string path, object? body = null, Credentials? credentials = null)
    {
        using var request = new HttpRequestMessage(method, $"http://{Host(tenant)}{path}");
        if (body is not null)
        {
            request.Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        }

        credentials?.Apply(request);
        return await Client.SendAsync(request);
    }

    /// <summary>Signs in with Identity's API (a bearer token, or a cookie with <paramref name="cookie"/>).</summary>
    public async Task<(HttpStatusCode Status, Credentials? Credentials)> LoginAsync(string tenant, string email, string password, bool cookie = false)
    {
        using var response = await SendAsync(HttpMethod.Post, tenant, cookie ? "/login?useCookies=true" : "/login", new { email, password });
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        if (cookie)
        {
            var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Identity.Application", StringComparison.Ordinal));
            var pair = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
            return (response.StatusCode, new Credentials(Cookie: pair, Bearer: null, Refresh: null));
        }

        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, new Credentials(null, tokens.GetProperty("accessToken").GetString(), tokens.GetProperty("refreshToken").GetString()));
    }

    public async Task<string> MeAsync(string tenant, Credentials credentials)
    {
        using var response = await SendAsync(HttpMethod.Get, tenant, "/me", credentials: credentials);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : $"status {(int)response.StatusCode}";
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Code)));
        }
    }
}

/// <summary>What a client presents: a cookie header value, a bearer token, a refresh token.</summary>
public sealed record Credentials(string? Cookie, string? Bearer, string? Refresh)
{
    /// <summary>The host's key (<see cref="HostKeyHandler"/>), for the host's endpoints.</summary>
    public string? HostKey { get; init; }

    public void Apply(HttpRequestMessage request)
    {
        if (HostKey is not null)
        {
            request.Headers.Add(HostKeyHandler.Header, HostKey);
        }

        if (Cookie is not null)
        {
            request.Headers.Add("Cookie", Cookie);
        }

        if (Bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Bearer);
        }
    }
}

/// <summary>Keeps the codes and links Identity mails, by address.</summary>
public sealed class CapturingEmailSender : IEmailSender<AppUser>
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _last = new(StringComparer.Ordinal);

    public string? LastFor(string email) => _last.TryGetValue(email, out var value) ? value : null;

    public Task SendConfirmationLinkAsync(AppUser user, string email, string confirmationLink) => Keep(email, confirmationLink);

    public Task SendPasswordResetLinkAsync(AppUser user, string email, string resetLink) => Keep(email, resetLink);

    public Task SendPasswordResetCodeAsync(AppUser user, string email, string resetCode) => Keep(email, resetCode);

    private Task Keep(string email, string value)
    {
        _last[email] = value;
        return Task.CompletedTask;
    }
}
