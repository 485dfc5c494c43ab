using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Catalog;
using TenantKit.Stores;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Stores;

/// <summary>The configuration store over an in-memory configuration, reloaded by hand for deterministic diffs.</summary>
public sealed class ConfigurationTenantStoreTests : IDisposable
{
    private const string Section = "TenantKit:Tenants";

    private readonly FakeTimeProvider _time = new(TestTenants.Epoch);
    private readonly TenantChangeFeed _feed = new();
    private readonly ChangeRecorder _changes;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    public ConfigurationTenantStoreTests()
    {
        _changes = new ChangeRecorder(_feed);
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public void Dispose()
    {
        _changes.Dispose();
        _loggerFactory.Dispose();
    }

    [Fact]
    public async Task Load_TenantsKeyedByIdentifier_ReadsEveryField()
    {
        using var store = StoreWith(new()
        {
            ["acme:Name"] = "Acme Corp",
            ["acme:Region"] = "EU",
            ["acme:Owner"] = "acme-inc",
            ["acme:State"] = "suspended",
            ["acme:Properties:Plan"] = "gold",
            ["acme:Properties:Branding:Color"] = "red",
            ["Globex:Name"] = "Globex",
        });

        var acme = await store.FindByIdentifierAsync("acme");
        var globex = await store.FindByIdentifierAsync("globex");

        Assert.NotNull(acme);
        Assert.Equal("acme", acme.Id);
        Assert.Equal("Acme Corp", acme.Name);
        Assert.Equal("eu", acme.Region);
        Assert.Equal("acme-inc", acme.Owner);
        Assert.Equal(TenantState.Suspended, acme.State);
        Assert.Equal("gold", acme.GetProperty("plan"));
        Assert.Equal("red", acme.GetProperty("Branding:Color"));
        Assert.Equal(2, acme.Properties.Count);
        Assert.Equal(1, acme.Version);
        Assert.Equal(TestTenants.Epoch, acme.CreatedAt);
        Assert.NotNull(globex);
        Assert.Equal("globex", globex.Id);
        Assert.Same(acme, await store.FindByIdAsync("acme"));
        Assert.True(store.IsReadOnly);
    }

    [Fact]
    public async Task Load_ArrayOfTenants_UsesIdentifierAndIdFields()
    {
        using var store = StoreWith(new()
        {
            ["0:Identifier"] = "ACME",
            ["0:Id"] = "tenant-1",
            ["1:Identifier"] = "globex",
        });

        Assert.Equal("tenant-1", (await store.FindByIdentifierAsync("acme"))!.Id);
        Assert.Equal("acme", (await store.FindByIdAsync("tenant-1"))!.Identifier);
        Assert.Equal("globex", (await store.FindByIdAsync("globex"))!.Name);
    }

    [Fact]
    public void Load_InvalidTenants_ListsEveryProblemByTenantAndField()
    {
        var ex = Assert.Throws<TenantValidationException>(() => StoreWith(new()
        {
            ["0:Name"] = "No identifier",
            ["bad.one:Name"] = "Dotted",
            ["acme:State"] = "Deleted",
            ["globex:Region"] = "eu west",
            ["initech:Owner"] = "   ",
        }));

        Assert.Equal(
            new[]
            {
                $"{Section}:0:identifier", $"{Section}:acme:state", $"{Section}:bad.one:identifier",
                $"{Section}:globex:region", $"{Section}:initech:owner",
            },
            ex.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_TwoTenantsWithOneId_IsRefused()
    {
        var ex = Assert.Throws<TenantValidationException>(() => StoreWith(new()
        {
            ["acme:Id"] = "same",
            ["globex:Id"] = "same",
        }));

        Assert.Contains("more than one tenant", Assert.Single(ex.Errors).Value[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoTenantsWithOneIdentifier_IsRefused()
    {
        var ex = Assert.Throws<TenantValidationException>(() => StoreWith(new()
        {
            ["0:Identifier"] = "acme",
            ["1:Identifier"] = "ACME",
            ["1:Id"] = "other",
        }));

        Assert.Equal([$"{Section}:1:identifier"], ex.Errors.Keys);
    }

    [Fact]
    public async Task Load_EmptySection_HasNoTenants()
    {
        using var store = StoreWith([]);

        var page = await store.ListAsync(new TenantQuery());

        Assert.Empty(page.Items);
        Assert.Equal(0, page.TotalCount);
    }

    [Fact]
    public async Task ListAsync_FiltersAndPages_InIdentifierOrder()
    {
        using var store = StoreWith(new()
        {
            ["globex:Owner"] = "o1",
            ["acme:Owner"] = "o1",
            ["initech:Owner"] = "o2",
            ["hooli:Owner"] = "o1",
            ["hooli:State"] = "Suspended",
        });

        var page = await store.ListAsync(new TenantQuery { Owner = "o1", Skip = 1, Take = 1 });
        var active = await store.ListAsync(new TenantQuery { State = TenantState.Active });

        Assert.Equal(["globex"], page.Items.Select(t => t.Identifier));
        Assert.Equal(3, page.TotalCount);
        Assert.Equal(["acme", "globex", "initech"], active.Items.Select(t => t.Identifier));
    }

    [Fact]
    public async Task Writes_AreRefusedWithReadOnlyException()
    {
        using var store = StoreWith(new() { ["acme:Name"] = "Acme" });
        var acme = (await store.FindByIdentifierAsync("acme"))!;

        var add = await Assert.ThrowsAsync<TenantCatalogReadOnlyException>(() => store.AddAsync(TestTenants.Create("globex")).AsTask());
        await Assert.ThrowsAsync<TenantCatalogReadOnlyException>(() => store.UpdateAsync(TestTenants.Create("acme", id: "acme", version: 2), 1).AsTask());
        await Assert.ThrowsAsync<TenantCatalogReadOnlyException>(() => store.DeleteAsync("acme", 1).AsTask());

        Assert.Equal("tenant-catalog-read-only", add.ErrorCode);
        Assert.Same(acme, await store.FindByIdentifierAsync("acme"));
        Assert.Null(await store.FindByIdentifierAsync("globex"));
    }

    [Fact]
    public async Task Reload_NothingChanged_PublishesNothingAndKeepsTheSameSnapshots()
    {
        var data = new Dictionary<string, string?> { ["acme:Name"] = "Acme" };
        var config = new MutableConfiguration(Prefix(data));
        using var store = CreateStore(config);
        var before = await store.FindByIdentifierAsync("acme");

        _time.Advance(TimeSpan.FromHours(1));
        config.Replace(Prefix(data));
        store.Reload();

        Assert.Empty(_changes.Changes);
        Assert.Same(before, await store.FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task Reload_NewTenant_PublishesCreated()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme" }));
        using var store = CreateStore(config);

        config.Replace(Prefix(new() { ["acme:Name"] = "Acme", ["globex:Name"] = "Globex" }));
        store.Reload();

        var change = Assert.Single(_changes.Changes);
        Assert.Equal(TenantChangeKind.Created, change.Kind);
        Assert.Equal("globex", change.Identifier);
        Assert.Equal("globex", change.TenantId);
        Assert.Same(change.Tenant, await store.FindByIdentifierAsync("globex"));
        Assert.Null(change.PreviousIdentifier);
        Assert.False(change.IsRemote);
    }

    [Fact]
    public async Task Reload_ChangedData_PublishesUpdatedWithTheNextVersion()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme", ["acme:Properties:Plan"] = "free" }));
        using var store = CreateStore(config);
        _time.Advance(TimeSpan.FromMinutes(5));

        config.Replace(Prefix(new() { ["acme:Name"] = "Acme", ["acme:Properties:Plan"] = "gold" }));
        store.Reload();

        var change = Assert.Single(_changes.Changes);
        Assert.Equal(TenantChangeKind.Updated, change.Kind);
        var acme = await store.FindByIdentifierAsync("acme");
        Assert.Same(change.Tenant, acme);
        Assert.Equal("gold", acme!.GetProperty("plan"));
        Assert.Equal(2, acme.Version);
        Assert.Equal(TestTenants.Epoch, acme.CreatedAt);
        Assert.Equal(_time.GetUtcNow(), acme.UpdatedAt);
        Assert.Null(change.PreviousIdentifier);
    }

    [Fact]
    public async Task Reload_StateChanges_PublishSuspendedThenResumed()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme" }));
        using var store = CreateStore(config);

        config.Replace(Prefix(new() { ["acme:Name"] = "Acme", ["acme:State"] = "Suspended" }));
        store.Reload();
        config.Replace(Prefix(new() { ["acme:Name"] = "Acme", ["acme:State"] = "Active" }));
        store.Reload();

        Assert.Equal([TenantChangeKind.Suspended, TenantChangeKind.Resumed], _changes.Changes.Select(c => c.Kind));
        Assert.Equal([2L, 3L], _changes.Changes.Select(c => c.Tenant!.Version));
        Assert.True((await store.FindByIdentifierAsync("acme"))!.IsActive);
    }

    [Fact]
    public async Task Reload_RemovedTenant_PublishesDeleted()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme", ["globex:Name"] = "Globex" }));
        using var store = CreateStore(config);

        config.Replace(Prefix(new() { ["acme:Name"] = "Acme" }));
        store.Reload();

        var change = Assert.Single(_changes.Changes);
        Assert.Equal(TenantChangeKind.Deleted, change.Kind);
        Assert.Equal("globex", change.Identifier);
        Assert.Null(change.Tenant);
        Assert.Null(await store.FindByIdentifierAsync("globex"));
        Assert.Null(await store.FindByIdAsync("globex"));
    }

    [Fact]
    public async Task Reload_NewIdentifierForTheSameId_PublishesUpdatedWithThePreviousIdentifier()
    {
        var config = new MutableConfiguration(Prefix(new() { ["0:Identifier"] = "acme", ["0:Id"] = "t-1" }));
        using var store = CreateStore(config);

        config.Replace(Prefix(new() { ["0:Identifier"] = "acme-corp", ["0:Id"] = "t-1" }));
        store.Reload();

        var change = Assert.Single(_changes.Changes);
        Assert.Equal(TenantChangeKind.Updated, change.Kind);
        Assert.Equal("acme-corp", change.Identifier);
        Assert.Equal("acme", change.PreviousIdentifier);
        Assert.Null(await store.FindByIdentifierAsync("acme"));
        Assert.Equal("t-1", (await store.FindByIdentifierAsync("acme-corp"))!.Id);
    }

    [Fact]
    public async Task Reload_SeveralChanges_PublishesOneChangePerTenant()
    {
        var config = new MutableConfiguration(Prefix(new()
        {
            ["acme:Name"] = "Acme",
            ["globex:Name"] = "Globex",
            ["initech:Name"] = "Initech",
            ["umbrella:Name"] = "Umbrella",
        }));
        using var store = CreateStore(config);

        config.Replace(Prefix(new()
        {
            ["acme:Name"] = "Acme Corp",
            ["globex:Name"] = "Globex",
            ["globex:State"] = "Suspended",
            ["hooli:Name"] = "Hooli",
            ["umbrella:Name"] = "Umbrella",
        }));
        store.Reload();

        Assert.Equal(
            new[] { "Created hooli", "Deleted initech", "Suspended globex", "Updated acme" },
            _changes.Changes.Select(c => $"{c.Kind} {c.Identifier}").Order(StringComparer.Ordinal));
        Assert.Equal(4, (await store.ListAsync(new TenantQuery())).TotalCount);
    }

    [Fact]
    public async Task Reload_InvalidConfiguration_KeepsThePreviousTenantsAndLogsTheProblem()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme", ["globex:Name"] = "Globex" }));
        using var store = CreateStore(config);
        var acme = await store.FindByIdentifierAsync("acme");

        config.Replace(Prefix(new() { ["acme:Name"] = "Acme Corp", ["not valid!:Name"] = "Bad" }));
        store.Reload();

        Assert.Empty(_changes.Changes);
        Assert.Same(acme, await store.FindByIdentifierAsync("acme"));
        Assert.NotNull(await store.FindByIdentifierAsync("globex"));
        var log = Assert.Single(_logs.Entries, e => e.EventId.Id == 1006);
        Assert.Equal(LogLevel.Error, log.Level);
        var error = Assert.IsType<TenantValidationException>(log.Exception);
        Assert.Contains($"{Section}:not valid!:identifier", error.Errors.Keys);
    }

    [Fact]
    public async Task Reload_SectionEmptied_RemovesEveryTenantOnlyIfStillEmptyAfterTheDelay()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme", ["globex:Name"] = "Globex" }));
        using var store = CreateStore(config);

        config.Replace(new Dictionary<string, string?>());
        store.Reload();
        _time.Advance(ConfigurationTenantStore.EmptyConfirmationDelay - TimeSpan.FromMilliseconds(1));

        Assert.Empty(_changes.Changes);
        Assert.NotNull(await store.FindByIdentifierAsync("acme"));
        var warning = Assert.Single(_logs.Entries, e => e.EventId.Id == 1007);
        Assert.Equal(LogLevel.Warning, warning.Level);

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(["Deleted acme", "Deleted globex"], _changes.Changes.Select(c => $"{c.Kind} {c.Identifier}").Order(StringComparer.Ordinal));
        Assert.Null(await store.FindByIdentifierAsync("acme"));
        Assert.Equal(0, (await store.ListAsync(new TenantQuery())).TotalCount);
    }

    [Fact]
    public async Task Reload_FileCaughtMidReplacement_RemovesNobody()
    {
        // An editor's save or a ConfigMap update: one reload reads nothing, the next the new file.
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme", ["globex:Name"] = "Globex" }));
        using var store = CreateStore(config);

        config.Replace(new Dictionary<string, string?>());
        store.Reload();
        config.Replace(Prefix(new() { ["acme:Name"] = "Acme Corp", ["globex:Name"] = "Globex" }));
        store.Reload();
        _time.Advance(ConfigurationTenantStore.EmptyConfirmationDelay * 3);

        Assert.Equal(["Updated acme"], _changes.Changes.Select(c => $"{c.Kind} {c.Identifier}"));
        Assert.NotNull(await store.FindByIdentifierAsync("globex"));
    }

    [Fact]
    public async Task Reload_EmptiedAgainAfterARefill_WaitsTheFullDelayAgain()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme" }));
        using var store = CreateStore(config);
        var delay = ConfigurationTenantStore.EmptyConfirmationDelay;

        config.Replace(new Dictionary<string, string?>());
        store.Reload();
        config.Replace(Prefix(new() { ["acme:Name"] = "Acme" }));
        store.Reload();
        _time.Advance(delay / 2);
        config.Replace(new Dictionary<string, string?>());
        store.Reload();

        // The first wait would have ended here; it was cancelled by the refill.
        _time.Advance(delay / 2);
        Assert.Empty(_changes.Changes);
        Assert.NotNull(await store.FindByIdentifierAsync("acme"));

        _time.Advance(delay / 2);
        Assert.Equal(TenantChangeKind.Deleted, Assert.Single(_changes.Changes).Kind);
    }

    [Fact]
    public async Task Dispose_WhileAnEmptySectionWaits_RemovesNobody()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme" }));
        var store = CreateStore(config);
        config.Replace(new Dictionary<string, string?>());
        store.Reload();

        store.Dispose();
        _time.Advance(ConfigurationTenantStore.EmptyConfirmationDelay * 2);

        Assert.Empty(_changes.Changes);
        Assert.NotNull(await store.FindByIdentifierAsync("acme"));
    }

    [Fact]
    public async Task Reload_ValidAfterInvalid_DiffsAgainstTheTenantsStillInEffect()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme", ["globex:Name"] = "Globex" }));
        using var store = CreateStore(config);

        config.Replace(Prefix(new() { ["acme:Name"] = "Acme", ["-bad:Name"] = "Bad" }));
        store.Reload();
        config.Replace(Prefix(new() { ["acme:Name"] = "Acme" }));
        store.Reload();

        var change = Assert.Single(_changes.Changes);
        Assert.Equal((TenantChangeKind.Deleted, "globex"), (change.Kind, change.Identifier));
        Assert.Equal(1, (await store.FindByIdentifierAsync("acme"))!.Version);
    }

    [Fact]
    public async Task ReloadToken_Raised_ReloadsAndPublishes()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme" }));
        using var store = CreateStore(config);

        config.ReplaceAndReload(Prefix(new() { ["acme:Name"] = "Acme Corp" }));

        Assert.Equal(TenantChangeKind.Updated, Assert.Single(_changes.Changes).Kind);
        Assert.Equal("Acme Corp", (await store.FindByIdentifierAsync("acme"))!.Name);
    }

    [Fact]
    public async Task Dispose_StopsFollowingReloads()
    {
        var config = new MutableConfiguration(Prefix(new() { ["acme:Name"] = "Acme" }));
        var store = CreateStore(config);

        store.Dispose();
        config.ReplaceAndReload(Prefix(new() { ["acme:Name"] = "Acme Corp" }));

        Assert.Empty(_changes.Changes);
        Assert.Equal("Acme", (await store.FindByIdentifierAsync("acme"))!.Name);
    }

    private static Dictionary<string, string?> Prefix(Dictionary<string, string?> tenants)
        => tenants.ToDictionary(kv => $"{Section}:{kv.Key}", kv => kv.Value);

    private ConfigurationTenantStore StoreWith(Dictionary<string, string?> tenants)
        => CreateStore(new MutableConfiguration(Prefix(tenants)));

    private ConfigurationTenantStore CreateStore(MutableConfiguration config)
        => new(config.Root.GetSection(Section), _feed, _time, _loggerFactory.CreateLogger<ConfigurationTenantStore>());
}
