using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using TenantKit.Samples.Saas.Data;
using TenantKit.Samples.Saas.Hosting;
using TenantKit.Data;
using TenantKit.Features;

namespace TenantKit.Samples.Saas.Pages;

/// <summary>
/// <c>/</c>: a tenant's home (its name, branding, plan and notes), or, on the bare host name, the way to the host
/// console. Everything here comes from the tenant's own container: the context is bound to the tenant and only ever
/// sees its rows.
/// </summary>
public sealed class IndexModel(SamplePlans plans, TimeProvider time) : PageModel
{
    public TenantInfo Tenant { get; private set; } = null!;

    public IReadOnlyList<Note> Notes { get; private set; } = [];

    public string Plan { get; private set; } = SamplePlans.DefaultPlan;

    public string PlanLimit { get; private set; } = string.Empty;

    public TenantIsolationModel Storage { get; private set; }

    /// <summary>Whether the tenant has the Reports page (the features its container was built with).</summary>
    public bool HasReports => HttpContext.RequestServices.GetService<ITenantFeatures>()?.IsEnabled(SampleFeatures.Reports) == true;

    [BindProperty]
    public NoteInput Input { get; set; } = new();

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync([FromServices] NotesDbContext db, CancellationToken cancellationToken)
    {
        if (HttpContext.GetTenant() is not { } tenant)
        {
            return RedirectToPage("/Console/Index");
        }

        await LoadAsync(tenant, db, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync([FromServices] NotesDbContext db, CancellationToken cancellationToken)
    {
        if (HttpContext.GetTenant() is not { } tenant)
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            await LoadAsync(tenant, db, cancellationToken);
            return Page();
        }

        var now = time.GetUtcNow();
        db.Notes.Add(new Note { Title = Input.Title!.Trim(), Text = Input.Text?.Trim() ?? string.Empty, CreatedAt = now, UpdatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        Message = "Note added.";
        return RedirectToPage();
    }

    private async Task LoadAsync(TenantInfo tenant, NotesDbContext db, CancellationToken cancellationToken)
    {
        Tenant = tenant;
        Notes = await db.Notes.AsNoTracking().OrderByDescending(n => n.Id).ToListAsync(cancellationToken);
        Plan = plans.PlanOf(tenant);
        PlanLimit = plans.Describe(Plan);
        Storage = db.Database.GetTenantDataLocation().Isolation;
    }
}
