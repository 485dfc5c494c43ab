using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore;

namespace TenantKit.Benchmarks.EfCore;

/// <summary>
/// The cost of TenantKit's tenant filter on SQLite: the same query through a TenantKit context bound to a tenant
/// (the filter adds <c>WHERE "TenantId" = @tenant</c>, reading the tenant at query time) and through a plain context
/// with the same <c>WHERE</c> written by hand. Same database, same index, same SQL (checked at set-up), a new context
/// per query, as in a request.
/// </summary>
[MemoryDiagnoser]
public class TenantFilterBenchmarks
{
    private const int Tenants = 20;
    private const int OrdersPerTenant = 500;
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"tenantkit-bench-{Guid.NewGuid():N}.db");
    private ServiceProvider? _services;
    private DbContextOptions<PlainContext>? _plain;
    private DbContextOptions<FilteredContext>? _filtered;
    private string _tenantId = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = _file }.ToString();
        var tenant = new TenantInfo("tenant-07", "acme", "Acme");
        _tenantId = tenant.Id;

        // A tenant's container: TenantInfo registered, so UseTenantKit binds its contexts to the tenant.
        _services = new ServiceCollection().AddLogging().AddTenantKit().Services.AddSingleton(tenant).BuildServiceProvider();
        _filtered = new DbContextOptionsBuilder<FilteredContext>().UseSqlite(connectionString).UseTenantKit(_services).Options;
        _plain = new DbContextOptionsBuilder<PlainContext>().UseSqlite(connectionString).Options;

        using var db = new PlainContext(_plain);
        db.Database.EnsureDeleted();
        db.Database.EnsureCreated();
        var random = new Random(42);
        for (var t = 0; t < Tenants; t++)
        {
            for (var i = 0; i < OrdersPerTenant; i++)
            {
                db.Orders.Add(new Order { TenantId = $"tenant-{t:00}", Number = $"{t}-{i}", Total = random.Next(0, 1000) });
            }
        }

        db.SaveChanges();

        // Both benchmarks must run the same SQL, but for the parameter's name.
        using var plain = new PlainContext(_plain);
        using var filtered = new FilteredContext(_filtered);
        var tenantId = _tenantId;
        var handWritten = Query(plain.Orders.Where(o => o.TenantId == tenantId)).ToQueryString();
        var byTenantKit = Query(filtered.Orders).ToQueryString();
        Console.WriteLine($"// hand-written:{Environment.NewLine}{handWritten}{Environment.NewLine}// TenantKit:{Environment.NewLine}{byTenantKit}");
    }

    private static IQueryable<Order> Query(IQueryable<Order> orders) => orders.AsNoTracking().Where(o => o.Total > 500).OrderBy(o => o.Id).Take(20);

    [GlobalCleanup]
    public void Cleanup()
    {
        _services?.Dispose();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    [Benchmark(Baseline = true, Description = "hand-written WHERE")]
    public async Task<int> HandWrittenWhere()
    {
        await using var db = new PlainContext(_plain!);
        var tenantId = _tenantId;
        var orders = await Query(db.Orders.Where(o => o.TenantId == tenantId)).ToListAsync();
        return orders.Count;
    }

    [Benchmark(Description = "TenantKit filter")]
    public async Task<int> TenantKitFilter()
    {
        await using var db = new FilteredContext(_filtered!);
        var orders = await Query(db.Orders).ToListAsync();
        return orders.Count;
    }

    /// <summary>
    /// The baseline again, run last: on a shared machine the difference between the two baseline runs shows how much
    /// of any difference is noise (an A/B/A run).
    /// </summary>
    [Benchmark(Description = "hand-written WHERE, again")]
    public Task<int> HandWrittenWhereAgain() => HandWrittenWhere();

    public sealed class Order
    {
        public int Id { get; set; }

        public string TenantId { get; set; } = string.Empty;

        public string Number { get; set; } = string.Empty;

        public int Total { get; set; }
    }

    /// <summary>No TenantKit: the tenant column is indexed by hand, as TenantKit indexes it.</summary>
    public sealed class PlainContext(DbContextOptions<PlainContext> options) : DbContext(options)
    {
        public DbSet<Order> Orders => Set<Order>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Order>().HasIndex(o => o.TenantId);
            modelBuilder.Entity<Order>().Property(o => o.TenantId).HasMaxLength(64);
        }
    }

    /// <summary>The same table, tenant-owned: TenantKit adds the index and the filter.</summary>
    public sealed class FilteredContext(DbContextOptions<FilteredContext> options) : DbContext(options)
    {
        public DbSet<Order> Orders => Set<Order>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Order>().IsTenantOwned();
    }
}
