using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TenantKit.Testing;

namespace TenantKit.EfCore.Tests.Infrastructure;

/// <summary>
/// An application with TenantKit, an in-memory catalog and <see cref="ShopContext"/> registered with
/// <c>AddTenantDbContext</c> (or the pooled factory), on a real database. Tenant work runs through
/// <see cref="ITenantExecutor"/>, so each tenant's contexts come from its own container, as in production.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private TestApp(ServiceProvider services, CapturedLogs logs, SqlCapture sql, string sharedConnectionString)
    {
        Services = services;
        Logs = logs;
        Sql = sql;
        SharedConnectionString = sharedConnectionString;
    }

    public ServiceProvider Services { get; }

    public CapturedLogs Logs { get; }

    public SqlCapture Sql { get; }

    public string SharedConnectionString { get; }

    public ITenantContextAccessor Accessor => Services.GetRequiredService<ITenantContextAccessor>();

    public static async Task<TestApp> StartAsync(
        DatabaseFixture database,
        TenantDraft[] tenants,
        Action<TenantKitBuilder>? tenantKit = null,
        Action<TenantDataOptions>? data = null,
        bool pooled = false,
        bool rowLevelSecurity = false,
        bool createSharedTables = true,
        Action<IServiceCollection>? services = null,
        string? sharedDatabase = null)
    {
        var logs = new CapturedLogs();
        var sql = new SqlCapture();
        var shared = sharedDatabase ?? database.NewDatabase("shared");
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        services?.Invoke(collection);
        collection.AddTenantKit(b =>
        {
            b.WithInMemoryStore(tenants);
            b.ConfigureData(o =>
            {
                o.ConnectionString = shared;
                data?.Invoke(o);
            });
            tenantKit?.Invoke(b);
        });

        void Configure(TenantDataLocation location, IServiceProvider _, DbContextOptionsBuilder options)
        {
            database.Configure(options, location.ConnectionString!);
            options.AddInterceptors(sql);

            // TenantKit must never make EF Core build an internal service provider per tenant.
            options.ConfigureWarnings(w => w.Throw(CoreEventId.ManyServiceProvidersCreatedWarning));
        }

        if (pooled)
        {
            collection.AddPooledTenantDbContextFactory<ShopContext>(Configure, poolSize: 16, tenantKit: k => k.UseRowLevelSecurity = rowLevelSecurity);
        }
        else
        {
            collection.AddTenantDbContext<ShopContext>(Configure, k => k.UseRowLevelSecurity = rowLevelSecurity);
        }

        var app = new TestApp(collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }), logs, sql, shared);
        if (createSharedTables)
        {
            await app.AsHost(async db =>
            {
                await db.Database.EnsureTenantTablesAsync();
                return true;
            });
        }

        return app;
    }

    public Task<T> AsTenant<T>(string identifier, Func<ShopContext, Task<T>> work)
        => Services.GetRequiredService<ITenantExecutor>().RunAsync(identifier, (services, _) => work(services.GetRequiredService<ShopContext>()));

    public Task AsTenant(string identifier, Func<ShopContext, Task> work)
        => Services.GetRequiredService<ITenantExecutor>().RunAsync(identifier, (services, _) => work(services.GetRequiredService<ShopContext>()));

    public async Task<T> AsHost<T>(Func<ShopContext, Task<T>> work)
    {
        using (Accessor.BeginHostScope())
        {
            await using var db = await Services.GetRequiredService<IDbContextFactory<ShopContext>>().CreateDbContextAsync();
            return await work(db);
        }
    }

    public async Task<TenantInfo> TenantAsync(string identifier)
        => await Services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync(identifier) ?? throw new InvalidOperationException(identifier);

    /// <summary>Every row of the shared tables, read in a host scope, in a stable order.</summary>
    public Task<List<string>> DumpAsync() => AsHost(async db =>
    {
        // One connection for the three reads (on PostgreSQL with row-level security, one round trip fewer each).
        await db.Database.OpenConnectionAsync();
        var rows = new List<string>();
        rows.AddRange((await db.Orders.AsNoTracking().OrderBy(o => o.Id).ToListAsync()).Select(o => $"order {o.Id} {o.TenantId} {o.Number} {o.Total} {o.CustomerId}"));
        rows.AddRange((await db.Lines.AsNoTracking().OrderBy(l => l.Id).Select(l => new { l.Id, Tenant = EF.Property<string>(l, "TenantId"), l.OrderId, l.Product, l.Quantity }).ToListAsync())
            .Select(l => $"line {l.Id} {l.Tenant} {l.OrderId} {l.Product} {l.Quantity}"));
        rows.AddRange((await db.Customers.AsNoTracking().OrderBy(c => c.Id).Select(c => new { c.Id, Tenant = EF.Property<string>(c, "TenantId"), c.Email, c.Name }).ToListAsync())
            .Select(c => $"customer {c.Id} {c.Tenant} {c.Email} {c.Name}"));
        return rows;
    });

    /// <summary>Adds, for each tenant, a customer and <paramref name="orders"/> orders of two lines, numbered 1001 up in every tenant.</summary>
    public async Task SeedAsync(IEnumerable<string> identifiers, int orders = 3)
    {
        foreach (var identifier in identifiers)
        {
            await AsTenant(identifier, async db =>
            {
                var customer = new Customer { Email = "buyer@example.com", Name = $"Buyer of {identifier}" };
                db.Customers.Add(customer);
                for (var i = 0; i < orders; i++)
                {
                    db.Orders.Add(new Order
                    {
                        Number = (1001 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Total = 10 * (i + 1),
                        Customer = customer,
                        Lines = [new OrderLine { Product = $"{identifier}-p1", Quantity = 1 }, new OrderLine { Product = $"{identifier}-p2", Quantity = 2 }],
                    });
                }

                await db.SaveChangesAsync();
            });
        }
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
