using Microsoft.EntityFrameworkCore;

namespace TenantKit.Samples.Saas.Data;

/// <summary>
/// The tenants' data. Registered with <c>AddTenantDbContext</c>: each tenant's container builds its own, bound to where
/// that tenant's rows live (the shared tables, or its own database), and filtered to that tenant.
/// </summary>
public sealed class NotesDbContext(DbContextOptions<NotesDbContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var note = modelBuilder.Entity<Note>();
        note.Property(n => n.Title).HasMaxLength(Note.MaxTitleLength);
        note.Property(n => n.Text).HasMaxLength(Note.MaxTextLength);
    }
}
