using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.EfCore.Tests.Infrastructure;

namespace TenantKit.EfCore.Tests.Model;

/// <summary>What TenantKit adds to a model: the tenant column, the filter, unique indexes and keys with the tenant column.</summary>
public sealed class ModelConventionTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddTenantKit().Services.BuildServiceProvider();

    public ModelConventionTests()
    {
        _connection.Open();
    }

    public void Dispose()
    {
        _services.Dispose();
        _connection.Dispose();
    }

    private IModel ModelOf<TContext>(Func<DbContextOptions<TContext>, TContext> create)
        where TContext : DbContext
    {
        var options = new DbContextOptionsBuilder<TContext>().UseSqlite(_connection).UseTenantKit(_services).Options;
        using var context = create(options);
        return context.Model;
    }

    [Fact]
    public void TenantOwnedTypes_ByInterfaceAttributeAndFluentCall_GetTheFilterAndARequiredConcurrencyTokenColumn()
    {
        var model = ModelOf<ShopContext>(o => new ShopContext(o));

        foreach (var type in new[] { typeof(Order), typeof(OrderLine), typeof(Customer) })
        {
            var entityType = model.FindEntityType(type)!;
            var tenant = entityType.FindProperty("TenantId")!;
            Assert.NotNull(entityType.FindDeclaredQueryFilter(TenantQueryFilter.Name));
            Assert.False(tenant.IsNullable);
            Assert.True(tenant.IsConcurrencyToken);
            Assert.Equal(TenantInfo.MaxIdLength, tenant.GetMaxLength());
            Assert.Equal(type != typeof(Order), tenant.IsShadowProperty());
        }

        Assert.Empty(model.FindEntityType(typeof(Product))!.GetDeclaredQueryFilters());
    }

    [Fact]
    public void UniqueIndexes_OfTenantOwnedTypes_StartWithTheTenantColumn()
    {
        var model = ModelOf<ShopContext>(o => new ShopContext(o));

        Assert.Equal(["TenantId", "Number"], UniqueIndex(model, typeof(Order)));
        Assert.Equal(["TenantId", "Email"], UniqueIndex(model, typeof(Customer)));
        Assert.Equal(["Code"], UniqueIndex(model, typeof(Product)));
    }

    [Fact]
    public void TheTenantColumn_IsIndexed()
    {
        var model = ModelOf<ShopContext>(o => new ShopContext(o));

        Assert.Contains(model.FindEntityType(typeof(OrderLine))!.GetIndexes(), i => i.Properties[0].Name == "TenantId");
    }

    [Fact]
    public void AlternateKey_OfATenantOwnedType_GetsTheTenantColumn()
    {
        var model = ModelOf<KeyedContext>(o => new KeyedContext(o));

        var key = model.FindEntityType(typeof(Coupon))!.GetKeys().Single(k => !k.IsPrimaryKey());
        Assert.Equal(["TenantId", "Code"], key.Properties.Select(p => p.Name));
    }

    [Fact]
    public void AlternateKey_ReferencedByAForeignKey_IsAClearError()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ModelOf<ReferencedKeyContext>(o => new ReferencedKeyContext(o)));

        Assert.Contains("referenced by a foreign key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnnamedQueryFilter_OnATenantOwnedType_IsAClearError()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ModelOf<UnnamedFilterContext>(o => new UnnamedFilterContext(o)));

        Assert.Contains("unnamed query filter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamedQueryFilter_OnATenantOwnedType_CoexistsWithTheTenantFilter()
    {
        var model = ModelOf<NamedFilterContext>(o => new NamedFilterContext(o));

        var keys = model.FindEntityType(typeof(Coupon))!.GetDeclaredQueryFilters().Select(f => f.Key).Order();
        Assert.Equal(["SoftDelete", TenantQueryFilter.Name], keys);
    }

    [Fact]
    public void TenantProperty_ThatIsNotAString_IsAClearError()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ModelOf<IntTenantContext>(o => new IntTenantContext(o)));

        Assert.Contains("must be a string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DerivedTenantOwnedType_WithAnUnmarkedBase_IsAClearError()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ModelOf<DerivedContext>(o => new DerivedContext(o)));

        Assert.Contains("Query filters live on the root", error.Message, StringComparison.Ordinal);
    }

    private static string[] UniqueIndex(IModel model, Type type)
        => [.. model.FindEntityType(type)!.GetIndexes().Single(i => i.IsUnique).Properties.Select(p => p.Name)];

    public sealed class Coupon
    {
        public int Id { get; set; }

        public string Code { get; set; } = string.Empty;

        public bool Deleted { get; set; }
    }

    public sealed class Redemption
    {
        public int Id { get; set; }

        public string CouponCode { get; set; } = string.Empty;
    }

    public sealed class KeyedContext(DbContextOptions<KeyedContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<Coupon>().IsTenantOwned().HasAlternateKey(c => c.Code);
    }

    public sealed class ReferencedKeyContext(DbContextOptions<ReferencedKeyContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Coupon>().IsTenantOwned();
            modelBuilder.Entity<Redemption>().HasOne<Coupon>().WithMany().HasForeignKey(r => r.CouponCode).HasPrincipalKey(c => c.Code);
        }
    }

    public sealed class UnnamedFilterContext(DbContextOptions<UnnamedFilterContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<Coupon>().IsTenantOwned().HasQueryFilter(c => !c.Deleted);
    }

    public sealed class NamedFilterContext(DbContextOptions<NamedFilterContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<Coupon>().IsTenantOwned().HasQueryFilter("SoftDelete", c => !c.Deleted);
    }

    public sealed class IntTenantContext(DbContextOptions<IntTenantContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<Coupon>().IsTenantOwned(nameof(Coupon.Id));
    }

    public class Animal
    {
        public int Id { get; set; }
    }

    [TenantOwned]
    public sealed class Dog : Animal
    {
        public string Name { get; set; } = string.Empty;
    }

    public sealed class DerivedContext(DbContextOptions<DerivedContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Animal>();
            modelBuilder.Entity<Dog>();
        }
    }
}
