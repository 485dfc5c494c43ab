using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Administration;

public sealed class TenantAdministrationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = TestTenants.Epoch.AddDays(10);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ControllableTenantStore _store = new(
        TestTenants.Create("acme", owner: "acme-inc", region: "eu"),
        TestTenants.Create("globex", owner: "globex-corp", properties: new Dictionary<string, string> { ["plan"] = "gold" }),
        TestTenants.Create("initech", state: TenantState.Suspended));

    private ServiceProvider _services = null!;
    private ChangeRecorder _changes = null!;
    private TenantScope? _hostScope;

    private ITenantAdministration Admin => _services.GetRequiredService<ITenantAdministration>();

    private ITenantContextAccessor Accessor => _services.GetRequiredService<ITenantContextAccessor>();

    public Task InitializeAsync()
    {
        _services = TestServices.Build(b => b.WithStore(_ => _store), _time, logs: _logs);
        _changes = new ChangeRecorder(_services.GetRequiredService<ITenantChangeFeed>());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _hostScope?.Dispose();
        _changes.Dispose();
        await _services.DisposeAsync();
    }

    public static TheoryData<string, bool> Operations()
    {
        var data = new TheoryData<string, bool>();
        foreach (var operation in AdminOperations.Keys)
        {
            data.Add(operation, false);
            data.Add(operation, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task EveryOperation_OutsideHostScope_IsRefusedAndTouchesNothing(string operation, bool asTenant)
    {
        var before = await AllTenantsAsync();
        using var scope = asTenant ? Accessor.BeginTenantScope(before.Single(t => t.Identifier == "acme")) : null;

        var ex = await Assert.ThrowsAsync<HostScopeRequiredException>(() => AdminOperations[operation](Admin));

        Assert.Equal("host-scope-required", ex.ErrorCode);
        Assert.DoesNotContain("globex", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("initech", ex.Message, StringComparison.Ordinal);
        Assert.Contains(asTenant ? "runs as tenant 'acme'" : "no host scope is active", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_changes.Changes);
        Assert.Equal(before, await AllTenantsAsync());
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 4002);
    }

    [Fact]
    public async Task CreateAsync_Draft_CreatesVersionOneStampedWithTheClockAndPublishesCreated()
    {
        BeginHost();

        var created = await Admin.CreateAsync(new TenantDraft("Hooli"));

        Assert.Equal("hooli", created.Identifier);
        Assert.Equal("Hooli", created.Name);
        Assert.Matches("^[0-9a-f]{32}$", created.Id);
        Assert.Equal(TenantState.Active, created.State);
        Assert.Equal(1, created.Version);
        Assert.Equal((Now, Now), (created.CreatedAt, created.UpdatedAt));
        Assert.Same(created, await Admin.GetAsync(created.Id));
        var change = Assert.Single(_changes.Changes);
        Assert.Equal((TenantChangeKind.Created, created.Id, "hooli"), (change.Kind, change.TenantId, change.Identifier));
        Assert.Same(created, change.Tenant);
    }

    [Fact]
    public async Task CreateAsync_EveryField_IsKept()
    {
        BeginHost();

        var created = await Admin.CreateAsync(new TenantDraft("hooli-qa")
        {
            Id = "hooli-qa-1",
            Name = "Hooli QA",
            State = TenantState.Suspended,
            Region = "us-east",
            Owner = "hooli-inc",
            Properties = new Dictionary<string, string> { ["Plan"] = "trial" },
        });

        Assert.Equal(
            ("hooli-qa-1", "Hooli QA", TenantState.Suspended, "us-east", "hooli-inc", "trial"),
            (created.Id, created.Name, created.State, created.Region, created.Owner, created.GetProperty("plan")));
    }

    [Fact]
    public async Task CreateAsync_ManyTenants_GetDistinctIds()
    {
        BeginHost();

        var ids = new HashSet<string>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add((await Admin.CreateAsync(new TenantDraft($"t{i}"))).Id);
        }

        Assert.Equal(100, ids.Count);
    }

    [Fact]
    public async Task CreateAsync_InvalidDraft_ListsEveryProblemPerFieldAndStoresNothing()
    {
        BeginHost();
        var before = await AllTenantsAsync();

        var ex = await Assert.ThrowsAsync<TenantValidationException>(() => Admin.CreateAsync(new TenantDraft("-bad-")
        {
            Id = "bad id",
            Name = new string('n', 201),
            State = (TenantState)9,
            Region = "eu west",
            Owner = " ",
            Properties = new Dictionary<string, string> { [""] = "x", ["ok"] = new string('v', 9000) },
        }).AsTask());

        Assert.Equal(
            new[] { "id", "identifier", "name", "owner", "properties", "region", "state" },
            ex.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, ex.Errors["properties"].Length);
        Assert.Empty(_changes.Changes);
        Assert.Equal(before, await AllTenantsAsync());
    }

    [Fact]
    public async Task CreateAsync_IdentifierTaken_ThrowsAlreadyExistsAndPublishesNothing()
    {
        BeginHost();

        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => Admin.CreateAsync(new TenantDraft("ACME")).AsTask());

        Assert.Empty(_changes.Changes);
    }

    [Fact]
    public async Task CreateAsync_IdOfADeletedTenant_IsRefused()
    {
        BeginHost();
        await Admin.DeleteAsync("id-globex");

        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => Admin.CreateAsync(new TenantDraft("globex-2") { Id = "id-globex" }).AsTask());
    }

    [Fact]
    public async Task CreateAsync_ReadOnlyStore_ThrowsReadOnly()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["TenantKit:Tenants:acme:Name"] = "Acme" })
            .Build();
        await using var services = TestServices.Build(b => b.WithConfigurationStore(configuration.GetSection("TenantKit:Tenants")));
        var admin = services.GetRequiredService<ITenantAdministration>();
        using var host = services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();

        await Assert.ThrowsAsync<TenantCatalogReadOnlyException>(() => admin.CreateAsync(new TenantDraft("globex")).AsTask());
        await Assert.ThrowsAsync<TenantCatalogReadOnlyException>(() => admin.SuspendAsync("acme").AsTask());
        Assert.Equal("Acme", (await admin.FindByIdentifierAsync("acme"))!.Name);
    }

    [Fact]
    public async Task Operations_StoreDown_ThrowUnavailable()
    {
        BeginHost();
        _store.FailWith(new IOException("database down"));

        var ex = await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Admin.ListAsync(new TenantQuery()).AsTask());
        await Assert.ThrowsAsync<TenantCatalogUnavailableException>(() => Admin.CreateAsync(new TenantDraft("hooli")).AsTask());

        Assert.IsType<IOException>(ex.InnerException);
        Assert.Empty(_changes.Changes);
    }

    [Fact]
    public async Task UpdateAsync_CurrentVersion_ChangesOnlyTheGivenFieldsAndPublishesUpdated()
    {
        BeginHost();
        _time.Advance(TimeSpan.FromHours(2));

        var updated = await Admin.UpdateAsync("id-acme", new TenantUpdate { Name = "Acme Corp" }, expectedVersion: 1);

        Assert.Equal(("Acme Corp", 2L, "acme", "eu", "acme-inc"), (updated.Name, updated.Version, updated.Identifier, updated.Region, updated.Owner));
        Assert.Equal(TestTenants.Epoch, updated.CreatedAt);
        Assert.Equal(Now.AddHours(2), updated.UpdatedAt);
        Assert.Same(updated, await Admin.GetAsync("id-acme"));
        var change = Assert.Single(_changes.Changes);
        Assert.Equal(TenantChangeKind.Updated, change.Kind);
        Assert.Same(updated, change.Tenant);
        Assert.Null(change.PreviousIdentifier);
    }

    [Fact]
    public async Task UpdateAsync_EmptyRegionAndOwner_ClearThem_AndPropertiesAreReplaced()
    {
        BeginHost();

        var updated = await Admin.UpdateAsync(
            "id-globex",
            new TenantUpdate { Region = "", Owner = "", Properties = new Dictionary<string, string> { ["theme"] = "dark" } },
            1);

        Assert.Null(updated.Region);
        Assert.Null(updated.Owner);
        Assert.Null(updated.GetProperty("plan"));
        Assert.Equal("dark", updated.GetProperty("theme"));
    }

    [Fact]
    public async Task UpdateAsync_StaleVersion_ThrowsConcurrencyAndChangesNothing()
    {
        BeginHost();
        await Admin.UpdateAsync("id-acme", new TenantUpdate { Name = "First" }, 1);
        _changes.Clear();

        var ex = await Assert.ThrowsAsync<TenantConcurrencyException>(
            () => Admin.UpdateAsync("id-acme", new TenantUpdate { Name = "Second" }, 1).AsTask());

        Assert.Equal((1L, 2L), (ex.ExpectedVersion, ex.ActualVersion));
        Assert.Equal("First", (await Admin.GetAsync("id-acme"))!.Name);
        Assert.Empty(_changes.Changes);
    }

    [Fact]
    public async Task UpdateAsync_ConcurrentWritersWithOneVersion_ExactlyOneWins()
    {
        BeginHost();

        var writers = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            try
            {
                await Admin.UpdateAsync("id-acme", new TenantUpdate { Name = $"writer {i}" }, 1);
                return true;
            }
            catch (TenantConcurrencyException)
            {
                return false;
            }
        })).ToArray();
        var results = await Task.WhenAll(writers);

        Assert.Single(results, r => r);
        Assert.Equal(TenantChangeKind.Updated, Assert.Single(_changes.Changes).Kind);
        Assert.Equal(2, (await Admin.GetAsync("id-acme"))!.Version);
    }

    [Fact]
    public async Task UpdateAsync_NewIdentifier_PublishesThePreviousIdentifier()
    {
        BeginHost();

        var renamed = await Admin.UpdateAsync("id-acme", new TenantUpdate { Identifier = "Acme-Corp" }, 1);

        Assert.Equal("acme-corp", renamed.Identifier);
        var change = Assert.Single(_changes.Changes);
        Assert.Equal(("acme-corp", "acme"), (change.Identifier, change.PreviousIdentifier));
        Assert.Null(await Admin.FindByIdentifierAsync("acme"));
        Assert.Same(renamed, await Admin.FindByIdentifierAsync("ACME-CORP"));
    }

    [Fact]
    public async Task UpdateAsync_IdentifierOfAnotherTenant_ThrowsAlreadyExists()
    {
        BeginHost();

        await Assert.ThrowsAsync<TenantAlreadyExistsException>(
            () => Admin.UpdateAsync("id-acme", new TenantUpdate { Identifier = "globex" }, 1).AsTask());

        Assert.Empty(_changes.Changes);
        Assert.Equal("acme", (await Admin.GetAsync("id-acme"))!.Identifier);
    }

    [Fact]
    public async Task UpdateAsync_InvalidFields_ListsEveryProblemPerField()
    {
        BeginHost();

        var ex = await Assert.ThrowsAsync<TenantValidationException>(() => Admin.UpdateAsync(
            "id-acme",
            new TenantUpdate
            {
                Identifier = "acme.com",
                Name = "   ",
                Region = "-eu",
                Owner = new string('o', 200),
                Properties = new Dictionary<string, string> { ["bad\u0000key"] = "x" },
            },
            1).AsTask());

        Assert.Equal(
            new[] { "identifier", "name", "owner", "properties", "region" },
            ex.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(_changes.Changes);
        Assert.Equal(1, (await Admin.GetAsync("id-acme"))!.Version);
    }

    [Fact]
    public async Task UpdateAsync_UnknownId_ThrowsNotFound()
    {
        BeginHost();

        await Assert.ThrowsAsync<TenantNotFoundException>(() => Admin.UpdateAsync("nope", new TenantUpdate { Name = "x" }, 1).AsTask());
    }

    [Fact]
    public async Task SuspendAsync_ActiveTenant_SuspendsAndPublishesSuspended()
    {
        BeginHost();

        var suspended = await Admin.SuspendAsync("id-acme");

        Assert.Equal((TenantState.Suspended, 2L), (suspended.State, suspended.Version));
        var change = Assert.Single(_changes.Changes);
        Assert.Equal(TenantChangeKind.Suspended, change.Kind);
        Assert.Same(suspended, change.Tenant);
    }

    [Fact]
    public async Task SuspendAsync_AlreadySuspended_ChangesNothingAndPublishesNothing()
    {
        BeginHost();
        var before = await Admin.GetAsync("id-initech");

        var again = await Admin.SuspendAsync("id-initech");

        Assert.Same(before, again);
        Assert.Empty(_changes.Changes);
    }

    [Fact]
    public async Task SuspendAsync_StaleExpectedVersion_ThrowsConcurrency()
    {
        BeginHost();
        await Admin.UpdateAsync("id-acme", new TenantUpdate { Name = "Changed" }, 1);

        await Assert.ThrowsAsync<TenantConcurrencyException>(() => Admin.SuspendAsync("id-acme", expectedVersion: 1).AsTask());

        Assert.True((await Admin.GetAsync("id-acme"))!.IsActive);
    }

    [Fact]
    public async Task SuspendAsync_ConcurrentCallsWithoutVersion_SuspendOncePublishOnce()
    {
        BeginHost();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await Admin.SuspendAsync("id-acme"))));

        Assert.All(results, t => Assert.Equal((TenantState.Suspended, 2L), (t.State, t.Version)));
        Assert.Equal(TenantChangeKind.Suspended, Assert.Single(_changes.Changes).Kind);
    }

    [Fact]
    public async Task ResumeAsync_SuspendedTenant_ResumesAndPublishesResumed()
    {
        BeginHost();

        var resumed = await Admin.ResumeAsync("id-initech", expectedVersion: 1);

        Assert.Equal((TenantState.Active, 2L), (resumed.State, resumed.Version));
        Assert.Equal(TenantChangeKind.Resumed, Assert.Single(_changes.Changes).Kind);
    }

    [Fact]
    public async Task ResumeAsync_ActiveTenant_ChangesNothing()
    {
        BeginHost();

        var same = await Admin.ResumeAsync("id-acme");

        Assert.Equal(1, same.Version);
        Assert.Empty(_changes.Changes);
    }

    [Fact]
    public async Task DeleteAsync_Tenant_IsGoneAndDeletedIsPublished()
    {
        BeginHost();

        await Admin.DeleteAsync("id-globex", expectedVersion: 1);

        Assert.Null(await Admin.GetAsync("id-globex"));
        Assert.Null(await Admin.FindByIdentifierAsync("globex"));
        var change = Assert.Single(_changes.Changes);
        Assert.Equal((TenantChangeKind.Deleted, "id-globex", "globex"), (change.Kind, change.TenantId, change.Identifier));
        Assert.Null(change.Tenant);
    }

    [Fact]
    public async Task DeleteAsync_StaleVersion_ThrowsConcurrencyAndKeepsTheTenant()
    {
        BeginHost();
        await Admin.SuspendAsync("id-globex");
        _changes.Clear();

        await Assert.ThrowsAsync<TenantConcurrencyException>(() => Admin.DeleteAsync("id-globex", expectedVersion: 1).AsTask());

        Assert.NotNull(await Admin.GetAsync("id-globex"));
        Assert.Empty(_changes.Changes);
    }

    [Fact]
    public async Task DeleteAsync_UnknownId_ThrowsNotFound()
    {
        BeginHost();

        await Assert.ThrowsAsync<TenantNotFoundException>(() => Admin.DeleteAsync("nope").AsTask());
        Assert.Empty(_changes.Changes);
    }

    [Fact]
    public async Task RequestReloadAsync_PublishesReloadRequestedWithoutChangingTheTenant()
    {
        BeginHost();
        var before = await Admin.GetAsync("id-acme");

        await Admin.RequestReloadAsync("id-acme");

        var change = Assert.Single(_changes.Changes);
        Assert.Equal(TenantChangeKind.ReloadRequested, change.Kind);
        Assert.Same(before, change.Tenant);
        Assert.Same(before, await Admin.GetAsync("id-acme"));
        await Assert.ThrowsAsync<TenantNotFoundException>(() => Admin.RequestReloadAsync("nope").AsTask());
    }

    [Fact]
    public async Task ListAsync_InHostScope_FiltersByOwner()
    {
        BeginHost();

        var page = await Admin.ListAsync(new TenantQuery { Owner = "acme-inc" });

        Assert.Equal(["acme"], page.Items.Select(t => t.Identifier));
        Assert.Equal(3, (await Admin.ListAsync(new TenantQuery())).TotalCount);
    }

    [Fact]
    public async Task FindByIdentifierAsync_AnyCaseOrInvalid()
    {
        BeginHost();

        Assert.Equal("id-acme", (await Admin.FindByIdentifierAsync("ACME"))!.Id);
        Assert.Null(await Admin.FindByIdentifierAsync("not valid!"));
        Assert.Null(await Admin.FindByIdentifierAsync("hooli"));
    }

    [Fact]
    public async Task Changes_ReachTheCatalogCacheAtOnce()
    {
        var catalog = _services.GetRequiredService<ITenantCatalog>();
        Assert.True((await catalog.FindByIdentifierAsync("acme"))!.IsActive);
        Assert.Null(await catalog.FindByIdentifierAsync("hooli"));
        BeginHost();

        await Admin.SuspendAsync("id-acme");
        await Admin.CreateAsync(new TenantDraft("hooli"));
        await Admin.UpdateAsync("id-globex", new TenantUpdate { Identifier = "globex-corp" }, 1);

        Assert.False((await catalog.FindByIdentifierAsync("acme"))!.IsActive);
        Assert.NotNull(await catalog.FindByIdentifierAsync("hooli"));
        Assert.NotNull(await catalog.FindByIdentifierAsync("globex-corp"));
        Assert.Equal(2, _store.IdentifierLookups);
        Assert.Null(await catalog.FindByIdentifierAsync("globex"));
    }

    private static readonly Dictionary<string, Func<ITenantAdministration, Task>> AdminOperations = new()
    {
        ["list"] = a => a.ListAsync(new TenantQuery()).AsTask(),
        ["get"] = a => a.GetAsync("id-globex").AsTask(),
        ["find"] = a => a.FindByIdentifierAsync("globex").AsTask(),
        ["create"] = a => a.CreateAsync(new TenantDraft("hooli")).AsTask(),
        ["update"] = a => a.UpdateAsync("id-globex", new TenantUpdate { Name = "Taken over" }, 1).AsTask(),
        ["suspend"] = a => a.SuspendAsync("id-globex").AsTask(),
        ["resume"] = a => a.ResumeAsync("id-initech").AsTask(),
        ["delete"] = a => a.DeleteAsync("id-globex").AsTask(),
        ["reload"] = a => a.RequestReloadAsync("id-globex").AsTask(),
    };

    private void BeginHost() => _hostScope = Accessor.BeginHostScope();

    private async Task<List<TenantInfo>> AllTenantsAsync() => [.. (await _store.Inner.ListAsync(new TenantQuery())).Items];
}
