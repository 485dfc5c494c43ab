using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Stores;

/// <summary><c>WithConfigurationStore</c> over a real JSON file that reloads when it changes on disk.</summary>
public sealed class ConfigurationStoreJsonFileTests : IDisposable
{
    private const string FileName = "tenants.json";

    private const string InitialJson = """
        {
          "Logging": { "LogLevel": { "Default": "Warning" } },
          "TenantKit": {
            "Tenants": {
              "acme": { "Name": "Acme", "Region": "eu", "Owner": "acme-inc", "Properties": { "Plan": "gold" } },
              "globex": { "Name": "Globex" },
              "initech": { "Name": "Initech" }
            }
          }
        }
        """;

    private readonly string _directory;
    private readonly PhysicalFileProvider _files;
    private readonly IConfigurationRoot _configuration;

    public ConfigurationStoreJsonFileTests()
    {
        _directory = Directory.CreateTempSubdirectory("tenantkit-config-").FullName;
        File.WriteAllText(Path.Combine(_directory, FileName), InitialJson);
        _files = new PhysicalFileProvider(_directory);
        _configuration = new ConfigurationBuilder().AddJsonFile(_files, FileName, optional: false, reloadOnChange: true).Build();
    }

    public void Dispose()
    {
        (_configuration as IDisposable)?.Dispose();
        _files.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task WithConfigurationStore_DefaultSection_LoadsTenantsFromTheJsonFile()
    {
        await using var services = Build(b => b.WithConfigurationStore());
        var catalog = services.GetRequiredService<ITenantCatalog>();

        var acme = await catalog.FindByIdentifierAsync("ACME");
        var page = await catalog.ListAsync(new TenantQuery());

        Assert.NotNull(acme);
        Assert.Equal(("Acme", "eu", "acme-inc", "gold"), (acme.Name, acme.Region, acme.Owner, acme.GetProperty("Plan")));
        Assert.Equal(["acme", "globex", "initech"], page.Items.Select(t => t.Identifier));
        Assert.True(services.GetRequiredService<ITenantStore>().IsReadOnly);
    }

    [Fact]
    public async Task WithConfigurationStore_SectionInstance_LoadsThatSection()
    {
        await using var services = Build(b => b.WithConfigurationStore(_configuration.GetSection("TenantKit:Tenants")));

        Assert.Equal("Globex", (await services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("globex"))!.Name);
    }

    [Fact]
    public async Task FileChanged_PublishesCreatedUpdatedSuspendedDeleted_AndTheCatalogServesTheNewDataAtOnce()
    {
        await using var services = Build(b => b.WithConfigurationStore());
        var catalog = services.GetRequiredService<ITenantCatalog>();
        using var changes = new ChangeRecorder(services.GetRequiredService<ITenantChangeFeed>());
        Assert.Equal("Acme", (await catalog.FindByIdentifierAsync("acme"))!.Name);
        Assert.NotNull(await catalog.FindByIdentifierAsync("initech"));
        Assert.Null(await catalog.FindByIdentifierAsync("hooli"));
        var allFour = changes.WaitUntilAsync(c => c.Count >= 4);

        WriteAtomically("""
            {
              "TenantKit": {
                "Tenants": {
                  "acme": { "Name": "Acme Corp", "Region": "eu", "Owner": "acme-inc", "Properties": { "Plan": "gold" } },
                  "globex": { "Name": "Globex", "State": "Suspended" },
                  "hooli": { "Name": "Hooli" }
                }
              }
            }
            """);
        await allFour.WaitAsync(TestServices.Patience);

        Assert.Equal(
            new[] { "Created hooli", "Deleted initech", "Suspended globex", "Updated acme" },
            changes.Changes.Select(c => $"{c.Kind} {c.Identifier}").Order(StringComparer.Ordinal));
        var acme = await catalog.FindByIdentifierAsync("acme");
        Assert.Equal(("Acme Corp", 2L), (acme!.Name, acme.Version));
        Assert.Equal(TenantState.Suspended, (await catalog.FindByIdentifierAsync("globex"))!.State);
        Assert.Null(await catalog.FindByIdentifierAsync("initech"));
        Assert.Equal("Hooli", (await catalog.FindByIdentifierAsync("hooli"))!.Name);
    }

    [Fact]
    public async Task FileChangedToInvalidTenants_KeepsThePreviousTenants()
    {
        var logs = new CapturingLoggerProvider();
        await using var services = Build(b => b.WithConfigurationStore(), logs);
        var catalog = services.GetRequiredService<ITenantCatalog>();
        using var changes = new ChangeRecorder(services.GetRequiredService<ITenantChangeFeed>());
        var acme = await catalog.FindByIdentifierAsync("acme");
        var rejected = logs.WaitForAsync(e => e.EventId.Id == 1006);

        WriteAtomically("""
            { "TenantKit": { "Tenants": { "acme": { "Name": "Acme Corp" }, "bad..identifier": { "Name": "Bad" } } } }
            """);
        await rejected.WaitAsync(TestServices.Patience);

        Assert.Empty(changes.Changes);
        var store = services.GetRequiredService<ITenantStore>();
        Assert.Same(acme, await store.FindByIdentifierAsync("acme"));
        Assert.Equal(3, (await store.ListAsync(new TenantQuery())).TotalCount);
    }

    private ServiceProvider Build(Action<TenantKitBuilder> configure, CapturingLoggerProvider? logs = null)
        => TestServices.Build(configure, services: s => s.AddSingleton<IConfiguration>(_configuration), logs: logs);

    /// <summary>Replaces the file in one step, as editors and deployment tools do, so no half-written file is read.</summary>
    private void WriteAtomically(string json)
    {
        var temporary = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".tmp");
        File.WriteAllText(temporary, json);
        File.Move(temporary, Path.Combine(_directory, FileName), overwrite: true);
    }
}
