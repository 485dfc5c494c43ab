using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;
using TenantKit.Features;

namespace TenantKit.EfCore.Tests.Features;

/// <summary>A tenant-owned entity of the <c>reports</c> feature.</summary>
public sealed class Report : ITenantOwned
{
    public int Id { get; set; }

    public string TenantId { get; set; } = string.Empty;

    public string Title { get; set; } = string.Empty;
}

/// <summary>
/// Issue #17, point 5: a feature adds entities to the tenant's model; a tenant without it has no such entity (it
/// cannot query it in shared tables) and gets no table for it (a database or schema of its own).
/// </summary>
public abstract class FeatureModelTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    protected TFixture Database { get; } = database;

    [Fact]
    public async Task SharedTables_ATenantWithTheFeature_UsesItsEntity_AndATenantWithoutCannotQueryIt()
    {
        await using var app = await StartAsync([Pro("alpha"), Free("beta")]);

        await app.AsTenant("alpha", async db =>
        {
            db.Set<Report>().Add(new Report { Title = "Q1" });
            await db.SaveChangesAsync();
        });
        var titles = await app.AsTenant("alpha", db => db.Set<Report>().Select(r => r.Title).ToListAsync());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.AsTenant("beta", db => db.Set<Report>().CountAsync()));
        var betaHasIt = await app.AsTenant("beta", db => Task.FromResult(db.Model.FindEntityType(typeof(Report)) is not null));

        Assert.Equal(["Q1"], titles);
        Assert.Contains("Report", error.Message, StringComparison.Ordinal);
        Assert.False(betaHasIt);
    }

    [Fact]
    public async Task TenantsWithTheSameFeatures_ShareOneModel_AndOthersGetAnother()
    {
        await using var app = await StartAsync([Pro("alpha"), Pro("gamma"), Free("beta")]);

        var alpha = await app.AsTenant("alpha", db => Task.FromResult(db.Model));
        var gamma = await app.AsTenant("gamma", db => Task.FromResult(db.Model));
        var beta = await app.AsTenant("beta", db => Task.FromResult(db.Model));

        Assert.Same(alpha, gamma);
        Assert.NotSame(alpha, beta);
    }

    [Fact]
    public async Task TheHostsModel_HasEveryFeaturesEntities()
    {
        await using var app = await StartAsync([Pro("alpha"), Free("beta")]);
        await app.AsTenant("alpha", async db =>
        {
            db.Set<Report>().Add(new Report { Title = "Q1" });
            await db.SaveChangesAsync();
        });

        var count = await app.AsHost(db => db.Set<Report>().CountAsync());

        Assert.Equal(1, count);
    }

    [Fact]
    public async Task DatabasePerTenant_ProvisioningCreatesTheFeaturesTables_OnlyForTenantsThatHaveTheFeature()
    {
        var alphaDb = Database.NewDatabase("feature-alpha");
        var betaDb = Database.NewDatabase("feature-beta");
        await using var app = await StartAsync([Pro("alpha", OwnDatabase(alphaDb)), Free("beta", OwnDatabase(betaDb))], provision: true);

        await app.AsTenant("alpha", db => db.Set<Report>().CountAsync());
        await app.AsTenant("beta", db => db.Orders.CountAsync());

        Assert.Equal(1, await TableCountAsync(alphaDb, "reports"));
        Assert.Equal(0, await TableCountAsync(betaDb, "reports"));
        Assert.Equal(1, await TableCountAsync(betaDb, "Orders"));
    }

    [Fact]
    public async Task EnablingTheFeatureLater_AddsItsTables_AtTheTenantsNextGeneration()
    {
        var betaDb = Database.NewDatabase("feature-later");
        await using var app = await StartAsync([Free("beta", OwnDatabase(betaDb))], provision: true);
        await app.AsTenant("beta", db => db.Orders.CountAsync());
        Assert.Equal(0, await TableCountAsync(betaDb, "reports"));

        using (app.Accessor.BeginHostScope())
        {
            await app.Services.GetRequiredService<ITenantFeatureAdministration>().EnableFeatureAsync("id-beta", "reports");
        }

        var count = await app.AsTenant("beta", db => db.Set<Report>().CountAsync());
        Assert.Equal(0, count);
        Assert.Equal(1, await TableCountAsync(betaDb, "reports"));
    }

    [Fact]
    public async Task SharedTables_TheFirstTenantWithTheFeature_AddsItsTableBesideTheExistingOnes()
    {
        await using var app = await StartAsync([Free("beta"), Pro("alpha")], provision: true, createSharedTables: false);
        await app.AsTenant("beta", db => db.Orders.CountAsync());
        Assert.Equal(0, await TableCountAsync(app.SharedConnectionString, "reports"));

        var count = await app.AsTenant("alpha", db => db.Set<Report>().CountAsync());

        Assert.Equal(0, count);
        Assert.Equal(1, await TableCountAsync(app.SharedConnectionString, "reports"));
    }

    [Fact]
    public async Task AFeatureModelNamingAnUndeclaredFeature_IsRefusedWithAClearMessage()
    {
        await using var app = await TestApp.StartAsync(
            Database,
            [Tenants.Draft("alpha")],
            b => b.AddFeature("reports").AddFeatureModel<ShopContext>("exports", mb => mb.Entity<Report>()),
            createSharedTables: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.AsTenant("alpha", db => db.Orders.CountAsync()));

        Assert.Contains("names the feature 'exports', which is not declared", error.Message, StringComparison.Ordinal);
    }

    protected Task<TestApp> StartAsync(TenantDraft[] tenants, bool provision = false, bool createSharedTables = true)
        => TestApp.StartAsync(
            Database,
            tenants,
            b =>
            {
                b.AddFeature("reports")
                    .AddPlan("free")
                    .AddPlan("pro", "reports")
                    .AddFeatureModel<ShopContext>("reports", mb => mb.Entity<Report>().ToTable("reports"));
                if (provision)
                {
                    b.ProvisionTenantDatabases<ShopContext>();
                }
            },
            createSharedTables: createSharedTables);

    protected static TenantDraft Pro(string identifier, Dictionary<string, string>? properties = null) => WithPlan(identifier, "pro", properties);

    protected static TenantDraft Free(string identifier, Dictionary<string, string>? properties = null) => WithPlan(identifier, "free", properties);

    protected static Dictionary<string, string> OwnDatabase(string connectionString) => new()
    {
        [TenantDataOptions.IsolationProperty] = nameof(TenantIsolationModel.DatabasePerTenant),
        [TenantDataOptions.ConnectionStringProperty] = connectionString,
    };

    /// <summary>How many tables named <paramref name="table"/> the database has (in any schema).</summary>
    protected Task<long> TableCountAsync(string connectionString, string table, string? schema = null)
        => Database.ScalarAsync(connectionString, Database.SupportsSchemas
            ? $"SELECT count(*) FROM information_schema.tables WHERE table_name = '{table}'{(schema is null ? string.Empty : $" AND table_schema = '{schema}'")}"
            : $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'");

    private static TenantDraft WithPlan(string identifier, string plan, Dictionary<string, string>? properties)
    {
        var all = new Dictionary<string, string>(properties ?? []) { [TenantFeatureProperties.Plan] = plan };
        return Tenants.Draft(identifier, all);
    }
}

public sealed class SqliteFeatureModelTests(SqliteFixture database) : FeatureModelTests<SqliteFixture>(database);

public sealed class PostgresFeatureModelTests(PostgresFixture database) : FeatureModelTests<PostgresFixture>(database)
{
    [Fact]
    public async Task SchemaPerTenant_ProvisioningCreatesTheFeaturesTables_OnlyInSchemasOfTenantsThatHaveTheFeature()
    {
        static Dictionary<string, string> Schema(string name) => new()
        {
            [TenantDataOptions.IsolationProperty] = nameof(TenantIsolationModel.SchemaPerTenant),
            [TenantDataOptions.SchemaProperty] = name,
        };
        await using var app = await StartAsync([Pro("alpha", Schema("feature_alpha")), Free("beta", Schema("feature_beta"))], provision: true);

        await app.AsTenant("alpha", db => db.Set<Report>().CountAsync());
        await app.AsTenant("beta", db => db.Orders.CountAsync());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.AsTenant("beta", db => db.Set<Report>().CountAsync()));

        Assert.Equal(1, await TableCountAsync(app.SharedConnectionString, "reports", "feature_alpha"));
        Assert.Equal(0, await TableCountAsync(app.SharedConnectionString, "reports", "feature_beta"));
        Assert.Equal(1, await TableCountAsync(app.SharedConnectionString, "Orders", "feature_beta"));
        Assert.Contains("Report", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>Issue #17, point 2: the EF Core catalog keeps a tenant's plan and features; another node reads them.</summary>
public abstract class FeatureCatalogTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    [Fact]
    public async Task FeaturesEnabledOnOneNode_AreKeptByTheEfCoreCatalog_AndReadByAnother()
    {
        var catalog = database.NewDatabase("feature-catalog");
        await using var a = Node(catalog);
        await using var b = Node(catalog);
        using (a.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            var created = await a.GetRequiredService<ITenantAdministration>().CreateAsync(
                new TenantDraft("acme") { Id = "t-acme", Properties = new Dictionary<string, string> { [TenantFeatureProperties.Plan] = "free" } });
            await a.GetRequiredService<ITenantFeatureAdministration>().EnableFeatureAsync(created.Id, "reports", enableDependencies: true);
            await a.GetRequiredService<ITenantFeatureAdministration>().SetPlanAsync(created.Id, "pro");
        }

        TenantInfo read;
        using (b.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            read = (await b.GetRequiredService<ITenantAdministration>().GetAsync("t-acme"))!;
        }

        Assert.Equal(("pro", "exports,reports", 3L), (read.GetProperty(TenantFeatureProperties.Plan), read.GetProperty(TenantFeatureProperties.Features), read.Version));
        Assert.Equal(["exports", "reports"], b.GetRequiredService<TenantFeatureRegistry>().GetFeatures(read).Enabled);
    }

    private ServiceProvider Node(string connectionString)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddTenantKit(b => b
            .WithEfCoreStore(o => database.Configure(o, connectionString))
            .AddFeature("exports")
            .AddFeature("reports", f => f.DependsOn("exports"))
            .AddPlan("free")
            .AddPlan("pro", "reports"));
        return services.BuildServiceProvider();
    }
}

public sealed class SqliteFeatureCatalogTests(SqliteFixture database) : FeatureCatalogTests<SqliteFixture>(database);

public sealed class PostgresFeatureCatalogTests(PostgresFixture database) : FeatureCatalogTests<PostgresFixture>(database);
