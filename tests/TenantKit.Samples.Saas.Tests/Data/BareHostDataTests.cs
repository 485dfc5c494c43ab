using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TenantKit.Data;
using TenantKit.Samples.Saas.Data;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Data;

/// <summary>
/// Where EF Core and ASP.NET Core meet: an endpoint that reads the sample's tenant <see cref="NotesDbContext"/> (SQLite)
/// and forgot <c>RequireTenant()</c>. On the bare host the context refuses (<see cref="TenantNotSetException"/>) and the
/// request is answered 404 <c>tenant-required</c>, in every environment, never a 500.
/// </summary>
public sealed class BareHostDataTests : IAsyncLifetime
{
    private readonly string _dataPath = SampleApp.NewDataPath();

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataPath);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        SampleApp.DeleteDataPath(_dataPath);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task BareHost_ReadingTenantNotesWithoutRequireTenant_Is404TenantRequired(string environment)
    {
        await using var app = await StartAsync(environment);
        var client = app.GetTestClient();

        using var bare = await client.GetAsync(Host("/notes"));
        using var tenant = await client.GetAsync(At("acme", "/notes"));

        Assert.Equal(HttpStatusCode.NotFound, bare.StatusCode);
        var problem = await bare.ProblemAsync();
        Assert.Equal("https://tenantkit.dev/problems/tenant-required", problem.GetProperty("type").GetString());
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.OK, tenant.StatusCode);
        Assert.Equal("0", await tenant.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BareHost_SavingTenantNotesWithoutRequireTenant_Is404TenantRequired_AndNothingIsSaved()
    {
        await using var app = await StartAsync("Production");
        var client = app.GetTestClient();

        using var bare = await client.PostAsync(Host("/notes"), content: null);
        using var count = await client.GetAsync(At("acme", "/notes"));

        Assert.Equal(HttpStatusCode.NotFound, bare.StatusCode);
        Assert.Equal("https://tenantkit.dev/problems/tenant-required", (await bare.ProblemAsync()).GetProperty("type").GetString());
        Assert.Equal("0", await count.Content.ReadAsStringAsync());
    }

    private async Task<WebApplication> StartAsync(string environment)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var connectionString = $"Data Source={Path.Combine(_dataPath, environment + ".db")}";
        builder.Services.AddTenantKit(t => t
            .WithInMemoryStore([new TenantDraft("acme") { Id = "t-acme", Name = "Acme" }])
            .WithHostStrategy("{tenant}.localhost")
            .ProvisionTenantDatabases<NotesDbContext>());
        builder.Services.Configure<TenantDataOptions>(o => o.ConnectionString = connectionString);
        builder.Services.AddTenantDbContext<NotesDbContext>((location, _, o) => o.UseSqlite(location.ConnectionString!));
        var app = builder.Build();
        app.UseTenantKit();
        app.MapGet("/notes", async (HttpContext context) =>
        {
            var db = context.RequestServices.GetRequiredService<NotesDbContext>();
            return (await db.Notes.CountAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        app.MapPost("/notes", async (HttpContext context) =>
        {
            var db = context.RequestServices.GetRequiredService<NotesDbContext>();
            db.Notes.Add(new Note { Title = "planted" });
            await db.SaveChangesAsync();
            return Results.NoContent();
        });
        await app.StartAsync();
        return app;
    }
}
