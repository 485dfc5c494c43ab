using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using TenantKit.AspNetCore;
using TenantKit.Samples.Saas.Data;

namespace TenantKit.Samples.Saas.Pages.Notes;

/// <summary>
/// <c>/notes/{id}/edit</c>: edit or delete one of the tenant's notes. Another tenant's note id finds nothing (the
/// query filter), so it is a plain 404. Tenants only: on the bare host name this is TenantKit's 404 "tenant required".
/// Signed-in users of the tenant only: others are sent to sign in.
/// </summary>
[RequireTenant]
[Authorize]
public sealed class EditModel(NotesDbContext db, TimeProvider time) : PageModel
{
    [BindProperty]
    public NoteInput Input { get; set; } = new();

    public int Id { get; private set; }

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        var note = await db.Notes.AsNoTracking().FirstOrDefaultAsync(n => n.Id == id, cancellationToken);
        if (note is null)
        {
            return NotFound();
        }

        Id = id;
        Input = new NoteInput { Title = note.Title, Text = note.Text };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(int id, CancellationToken cancellationToken)
    {
        var note = await db.Notes.FirstOrDefaultAsync(n => n.Id == id, cancellationToken);
        if (note is null)
        {
            return NotFound();
        }

        Id = id;
        if (!ModelState.IsValid)
        {
            return Page();
        }

        note.Title = Input.Title!.Trim();
        note.Text = Input.Text?.Trim() ?? string.Empty;
        note.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        TempData["Message"] = "Note saved.";
        return RedirectToPage("/Index");
    }

    public async Task<IActionResult> OnPostDeleteAsync(int id, CancellationToken cancellationToken)
    {
        var deleted = await db.Notes.Where(n => n.Id == id).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return NotFound();
        }

        TempData["Message"] = "Note deleted.";
        return RedirectToPage("/Index");
    }
}
