using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TenantKit.EfCore;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddTenantKit(tenants => tenants
    .WithConfigurationStore()                                   // TenantKit:Tenants in appsettings.json
    .WithHostStrategy("{tenant}.localhost", "{tenant}.example.com")
    .BindTenantOptions<BrandingOptions>("Branding")             // each tenant's Branding:* properties
    .ConfigureData(data => data.ConnectionString = builder.Configuration.GetConnectionString("Data"))
    .ProvisionTenantDatabases<NotesContext>());                 // tables created when a tenant is activated

builder.Services.AddTenantDbContext<NotesContext>(
    (location, services, options) => options.UseSqlite(location.ConnectionString));

var app = builder.Build();
app.UseTenantKit();

// Every endpoint below needs a tenant: the bare host (http://localhost:5000/) answers 404 tenant-required.
app.MapGet("/", (HttpContext http, IOptions<BrandingOptions> branding) =>
    new { tenant = http.GetRequiredTenant().Name, color = branding.Value.Color }).RequireTenant();

app.MapGet("/notes", (NotesContext db) => db.Notes.OrderBy(n => n.Id).ToListAsync()).RequireTenant();

app.MapPost("/notes", async (NotesContext db, NoteInput input) =>
{
    var note = new Note { Text = input.Text };
    db.Notes.Add(note);                                         // stamped with the current tenant
    await db.SaveChangesAsync();
    return Results.Created($"/notes/{note.Id}", note);
}).RequireTenant();

app.Run();

public sealed class BrandingOptions
{
    public string Color { get; set; } = "gray";
}

public sealed record NoteInput(string Text);

public sealed class Note : ITenantOwned
{
    public int Id { get; set; }
    public string Text { get; set; } = "";
    public string TenantId { get; set; } = "";                  // set by TenantKit on save
}

public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();
}
