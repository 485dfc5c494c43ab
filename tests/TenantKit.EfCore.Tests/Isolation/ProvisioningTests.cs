using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Isolation;

/// <summary>A tenant's database is provisioned on activation; when that fails the tenant is not served, and it is retried.</summary>
public abstract class ProvisioningTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    [Fact]
    public async Task Activation_WhenProvisioningFails_ReportsAClearErrorAndServesNothing()
    {
        var broken = new Dictionary<string, string>
        {
            [TenantDataOptions.IsolationProperty] = "DatabasePerTenant",
            [TenantDataOptions.ConnectionStringProperty] = database.UnreachableDatabase(),
        };
        await using var app = await TestApp.StartAsync(database, [Tenants.Draft("alpha"), Tenants.Draft("broken", broken)], b => b.ProvisionTenantDatabases<ShopContext>());

        var error = await Assert.ThrowsAsync<TenantLoadException>(() => app.AsTenant("broken", db => db.Orders.CountAsync()));

        var provisioning = Assert.IsType<TenantProvisioningException>(error.InnerException);
        Assert.Equal("broken", provisioning.Identifier);
        Assert.Contains("tenant broken: DatabasePerTenant", provisioning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(broken[TenantDataOptions.ConnectionStringProperty], provisioning.Message, StringComparison.Ordinal);
        var status = app.Services.GetRequiredService<ITenantRuntime>().GetStatus("id-broken");
        Assert.False(status?.IsResident ?? false);
        Assert.Contains(app.Logs.Entries, e => e.EventId.Id == 5004);
        Assert.Equal(0, await app.AsTenant("alpha", db => db.Orders.CountAsync()));
    }

    [Fact]
    public async Task Activation_OfATenantWithInvalidDataSettings_IsRefusedWithTheValidationError()
    {
        var invalid = new Dictionary<string, string> { [TenantDataOptions.IsolationProperty] = "Everywhere" };
        await using var app = await TestApp.StartAsync(database, [Tenants.Draft("odd", invalid)], b => b.ProvisionTenantDatabases<ShopContext>());

        var error = await Assert.ThrowsAsync<TenantLoadException>(() => app.AsTenant("odd", db => db.Orders.CountAsync()));

        var validation = Assert.IsType<TenantValidationException>(error.InnerException!.InnerException);
        Assert.Contains($"properties.{TenantDataOptions.IsolationProperty}", validation.Errors.Keys);
    }

    [Fact]
    public async Task Activation_AfterAFailedProvisioning_IsRetriedOnlyAfterTheBackOff()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var attempts = 0;
        await using var app = await TestApp.StartAsync(
            database,
            [Tenants.Draft("alpha")],
            b => b.ConfigureRuntime(o => o.BuildRetryDelay = TimeSpan.FromSeconds(5)).ProvisionTenantDatabases<ShopContext>((db, ct) =>
                Interlocked.Increment(ref attempts) == 1 ? throw new InvalidOperationException("migration 42 failed") : db.Database.EnsureTenantTablesAsync(ct)),
            services: s => s.AddSingleton<TimeProvider>(time));

        var first = await Assert.ThrowsAsync<TenantLoadException>(() => app.AsTenant("alpha", db => db.Orders.CountAsync()));
        var second = await Assert.ThrowsAsync<TenantLoadException>(() => app.AsTenant("alpha", db => db.Orders.CountAsync()));
        time.Advance(TimeSpan.FromSeconds(6));
        var count = await app.AsTenant("alpha", db => db.Orders.CountAsync());

        Assert.Contains("migration 42 failed", first.Message, StringComparison.Ordinal);
        Assert.True(second.RetryAfter > TimeSpan.Zero);
        Assert.Equal(0, count);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task FirstStart_OfManyTenantsAtOnceOnAnEmptyDatabase_CreatesTheSharedTablesWithoutAnErrorLog()
    {
        var drafts = Enumerable.Range(0, 12).Select(i => Tenants.Draft($"t{i}")).ToArray();
        await using var app = await TestApp.StartAsync(
            database,
            drafts,
            b => b.ConfigureRuntime(o => o.MaxConcurrentBuilds = drafts.Length).ProvisionTenantDatabases<ShopContext>(),
            createSharedTables: false);

        var counts = await Task.WhenAll(drafts.Select(d => Task.Run(() => app.AsTenant(d.Identifier, db => db.Orders.CountAsync()))));

        Assert.All(counts, count => Assert.Equal(0, count));
        Assert.Empty(app.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.Category} {e.EventId}: {e.Message}"));
        Assert.Equal(drafts.Length, app.Logs.Entries.Count(e => e.EventId.Id == 5003 && e.Category == "TenantKit.EfCore"));
    }

    [Fact]
    public async Task FirstStart_OfTwoNodesAtOnceOnAnEmptyDatabase_CreatesTheSharedTablesWithoutAnErrorLog()
    {
        var shared = database.NewDatabase("two-nodes");
        var drafts = Enumerable.Range(0, 6).Select(i => Tenants.Draft($"n{i}")).ToArray();
        await using var first = await TestApp.StartAsync(database, drafts, b => b.ConfigureRuntime(o => o.MaxConcurrentBuilds = drafts.Length).ProvisionTenantDatabases<ShopContext>(), createSharedTables: false, sharedDatabase: shared);
        await using var second = await TestApp.StartAsync(database, drafts, b => b.ConfigureRuntime(o => o.MaxConcurrentBuilds = drafts.Length).ProvisionTenantDatabases<ShopContext>(), createSharedTables: false, sharedDatabase: shared);

        var counts = await Task.WhenAll(drafts.SelectMany(d => new[] { first, second }.Select(node => Task.Run(() => node.AsTenant(d.Identifier, db => db.Orders.CountAsync())))));

        Assert.All(counts, count => Assert.Equal(0, count));
        Assert.Empty(first.Logs.Entries.Concat(second.Logs.Entries).Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.Category} {e.EventId}: {e.Message}"));
    }

    [Fact]
    public async Task FirstStart_OfTwoNodesAtOnce_CreatesEachTenantsOwnDatabaseWithoutAnErrorLog()
    {
        var shared = database.NewDatabase("own-shared");
        var drafts = Enumerable.Range(0, 4).Select(i => Tenants.Draft($"d{i}", new Dictionary<string, string>
        {
            [TenantDataOptions.IsolationProperty] = "DatabasePerTenant",
            [TenantDataOptions.ConnectionStringProperty] = database.NewDatabase($"own-{i}"),
        })).ToArray();
        await using var first = await TestApp.StartAsync(database, drafts, b => b.ConfigureRuntime(o => o.MaxConcurrentBuilds = drafts.Length).ProvisionTenantDatabases<ShopContext>(), createSharedTables: false, sharedDatabase: shared);
        await using var second = await TestApp.StartAsync(database, drafts, b => b.ConfigureRuntime(o => o.MaxConcurrentBuilds = drafts.Length).ProvisionTenantDatabases<ShopContext>(), createSharedTables: false, sharedDatabase: shared);

        var counts = await Task.WhenAll(drafts.SelectMany(d => new[] { first, second }.Select(node => Task.Run(() => node.AsTenant(d.Identifier, db => db.Orders.CountAsync())))));

        Assert.All(counts, count => Assert.Equal(0, count));
        Assert.Empty(first.Logs.Entries.Concat(second.Logs.Entries).Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.Category} {e.EventId}: {e.Message}"));
    }
}

public sealed class SqliteProvisioningTests(SqliteFixture database) : ProvisioningTests<SqliteFixture>(database);

public sealed class PostgresProvisioningTests(PostgresFixture database) : ProvisioningTests<PostgresFixture>(database);
