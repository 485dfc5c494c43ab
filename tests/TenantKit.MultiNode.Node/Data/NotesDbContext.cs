using Microsoft.EntityFrameworkCore;

namespace TenantKit.MultiNode.Node.Data;

/// <summary>The tenants' notes, in one shared table (<c>node_notes</c>) of the catalog's database.</summary>
public sealed class NotesDbContext(DbContextOptions<NotesDbContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var note = modelBuilder.Entity<Note>();
        note.ToTable("node_notes");
        note.Property(n => n.Text).HasMaxLength(Note.MaxTextLength);
        note.Property(n => n.Node).HasMaxLength(64);
    }
}
