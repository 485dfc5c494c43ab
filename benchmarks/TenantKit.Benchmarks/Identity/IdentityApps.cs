using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TenantKit.Identity;

namespace TenantKit.Benchmarks.Identity;

/// <summary>
/// Two ASP.NET Core applications with the same Identity set-up on SQLite (one file each), in the test server: a plain
/// single-tenant Identity app, and TenantKit Identity (host strategy, shared tables, <c>IsolateAuthentication()</c>,
/// <c>AddTenantKit()</c>) serving tenant acme among three. Each has one user, and maps <c>POST /signin</c> (a password
/// sign-in with <see cref="SignInManager{TUser}"/>, which sets Identity's cookie) and <c>GET /me</c> (authenticated by
/// that cookie: 200 or 401) and <c>GET /find</c> (<c>UserManager.FindByNameAsync</c> only). Requests go through <see cref="TestServer.SendAsync"/>, with no HTTP client in between.
/// </summary>
public sealed class IdentityApps : IAsyncDisposable
{
    public const string Email = "wile@acme.example";
    public const string Password = "Passw0rd!long";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tenantkit-identity-bench-" + Guid.NewGuid().ToString("N"));
    private WebApplication _plain = null!;
    private WebApplication _tenantKit = null!;

    public TestServer Plain { get; private set; } = null!;

    public TestServer TenantKit { get; private set; } = null!;

    public string PlainCookie { get; private set; } = string.Empty;

    public string TenantKitCookie { get; private set; } = string.Empty;

    public static async Task<IdentityApps> StartAsync(int hashIterations)
    {
        var apps = new IdentityApps();
        Directory.CreateDirectory(apps._folder);
        apps._plain = await apps.StartPlainAsync(hashIterations);
        apps._tenantKit = await apps.StartTenantKitAsync(hashIterations);
        apps.Plain = apps._plain.GetTestServer();
        apps.TenantKit = apps._tenantKit.GetTestServer();
        apps.PlainCookie = await SignInAsync(apps.Plain, "localhost");
        apps.TenantKitCookie = await SignInAsync(apps.TenantKit, "acme.example.com");
        await CheckAsync(apps.Plain, "localhost", apps.PlainCookie);
        await CheckAsync(apps.TenantKit, "acme.example.com", apps.TenantKitCookie);
        return apps;
    }

    /// <summary>One password sign-in; returns the status code (200 when signed in).</summary>
    public static async Task<int> SignInOnceAsync(TestServer server, string host)
    {
        var context = await server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Post;
            c.Request.Host = new HostString(host);
            c.Request.Path = "/signin";
        });
        return context.Response.StatusCode;
    }

    /// <summary>One request that only finds the user by name (the data path of a sign-in, without the hash or the cookie).</summary>
    public static async Task<int> FindOnceAsync(TestServer server, string host)
    {
        var context = await server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Host = new HostString(host);
            c.Request.Path = "/find";
        });
        return context.Response.StatusCode;
    }

    /// <summary>One request authenticated by the cookie; returns the status code (200 when the cookie is valid).</summary>
    public static async Task<int> MeOnceAsync(TestServer server, string host, string cookie)
    {
        var context = await server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Host = new HostString(host);
            c.Request.Path = "/me";
            c.Request.Headers.Cookie = cookie;
        });
        return context.Response.StatusCode;
    }

    private static async Task<string> SignInAsync(TestServer server, string host)
    {
        var context = await server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Post;
            c.Request.Host = new HostString(host);
            c.Request.Path = "/signin";
        });
        Check(context.Response.StatusCode == 200, $"sign-in at {host} answered {context.Response.StatusCode}");
        var set = context.Response.Headers.SetCookie.ToString();
        var start = set.IndexOf(".AspNetCore.Identity.Application", StringComparison.Ordinal);
        Check(start >= 0, "no Identity cookie: " + set);
        var end = set.IndexOf(';', start);
        return set[start..end];
    }

    private static async Task CheckAsync(TestServer server, string host, string cookie)
    {
        Check(await MeOnceAsync(server, host, cookie) == 200, $"the cookie is refused at {host}");
        Check(await MeOnceAsync(server, host, string.Empty) == 401, $"no cookie is accepted at {host}");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static WebApplicationBuilder NewBuilder()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        return builder;
    }

    private static void MapEndpoints<TUser>(WebApplication app)
        where TUser : class
    {
        app.MapPost("/signin", async (SignInManager<TUser> signIn) =>
            (await signIn.PasswordSignInAsync(Email, Password, isPersistent: false, lockoutOnFailure: false)).Succeeded ? Results.Ok() : Results.Unauthorized());
        app.MapGet("/me", (HttpContext context) => context.User.Identity?.IsAuthenticated == true ? Results.Ok() : Results.Unauthorized());
        app.MapGet("/find", async (UserManager<TUser> users) => await users.FindByNameAsync(Email) is not null ? Results.Ok() : Results.NotFound());
    }

    private async Task<WebApplication> StartPlainAsync(int hashIterations)
    {
        var builder = NewBuilder();
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "plain.db") }.ConnectionString;
        builder.Services.AddDbContext<PlainIdentityContext>(o => o.UseSqlite(connection));
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        builder.Services.AddAuthorization();
        builder.Services.AddIdentityCore<IdentityUser>().AddRoles<IdentityRole>().AddSignInManager().AddEntityFrameworkStores<PlainIdentityContext>();
        builder.Services.Configure<PasswordHasherOptions>(o => o.IterationCount = hashIterations);
        var app = builder.Build();
        app.UseAuthentication();
        MapEndpoints<IdentityUser>(app);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PlainIdentityContext>().Database.EnsureCreatedAsync();
            var created = await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().CreateAsync(new IdentityUser { UserName = Email, Email = Email }, Password);
            Check(created.Succeeded, "plain user");
        }

        await app.StartAsync();
        return app;
    }

    private async Task<WebApplication> StartTenantKitAsync(int hashIterations)
    {
        var builder = NewBuilder();
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "tenantkit.db") }.ConnectionString;
        builder.Services.AddTenantKit(t => t
            .WithInMemoryStore([new TenantDraft("acme") { Id = "t-acme" }, new TenantDraft("globex") { Id = "t-globex" }, new TenantDraft("initech") { Id = "t-initech" }])
            .WithHostStrategy("{tenant}.example.com")
            .IsolateAuthentication()
            .ConfigureData(d => d.ConnectionString = connection)
            .ProvisionTenantDatabases<BenchIdentityContext>());
        builder.Services.AddTenantDbContext<BenchIdentityContext>((location, _, o) => o.UseSqlite(location.ConnectionString));
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        builder.Services.AddAuthorization();
        builder.Services.AddIdentityCore<IdentityUser>().AddRoles<IdentityRole>().AddSignInManager().AddEntityFrameworkStores<BenchIdentityContext>().AddTenantKit();
        builder.Services.Configure<PasswordHasherOptions>(o => o.IterationCount = hashIterations);
        var app = builder.Build();
        app.UseTenantKit();
        MapEndpoints<IdentityUser>(app);
        await app.StartAsync();
        await app.Services.GetRequiredService<ITenantExecutor>().RunAsync("acme", async (services, _) =>
        {
            var created = await services.GetRequiredService<UserManager<IdentityUser>>().CreateAsync(new IdentityUser { UserName = Email, Email = Email }, Password);
            Check(created.Succeeded, "tenant user");
            return 0;
        });
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        await _plain.DisposeAsync();
        await _tenantKit.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Identity's own context, for the plain app.</summary>
public sealed class PlainIdentityContext(DbContextOptions<PlainIdentityContext> options) : IdentityDbContext<IdentityUser, IdentityRole, string>(options);

/// <summary>TenantKit's Identity context, tenant-owned.</summary>
public sealed class BenchIdentityContext(DbContextOptions<BenchIdentityContext> options) : TenantIdentityDbContext<IdentityUser, IdentityRole>(options);
