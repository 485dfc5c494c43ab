using Microsoft.EntityFrameworkCore;

namespace TenantKit.EfCore.Tests.Infrastructure;

/// <summary>Tenant-owned by interface: the tenant column is a CLR property.</summary>
public sealed class Order : ITenantOwned
{
    public int Id { get; set; }

    public string TenantId { get; set; } = string.Empty;

    public string Number { get; set; } = string.Empty;

    public int Total { get; set; }

    public int? CustomerId { get; set; }

    public Customer? Customer { get; set; }

    public List<OrderLine> Lines { get; set; } = [];
}

/// <summary>Tenant-owned by attribute: the tenant column is a shadow property.</summary>
[TenantOwned]
public sealed class OrderLine
{
    public int Id { get; set; }

    public int OrderId { get; set; }

    public string Product { get; set; } = string.Empty;

    public int Quantity { get; set; }
}

/// <summary>Tenant-owned by the fluent API (shadow column): its unique e-mail index gets the tenant column.</summary>
public sealed class Customer
{
    public int Id { get; set; }

    public string Email { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;
}

/// <summary>Not tenant-owned: a catalog every tenant shares.</summary>
public sealed class Product
{
    public int Id { get; set; }

    public string Code { get; set; } = string.Empty;
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OrderLine> Lines => Set<OrderLine>();

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<Product> Products => Set<Product>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>().HasIndex(o => o.Number).IsUnique();
        modelBuilder.Entity<Order>().HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.OrderId);
        modelBuilder.Entity<Customer>().IsTenantOwned().HasIndex(c => c.Email).IsUnique();
        modelBuilder.Entity<Product>().HasIndex(p => p.Code).IsUnique();
    }
}
