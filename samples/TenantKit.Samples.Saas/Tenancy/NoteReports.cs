using Microsoft.EntityFrameworkCore;
using TenantKit.Samples.Saas.Data;

namespace TenantKit.Samples.Saas.Tenancy;

/// <summary>
/// The <c>reports</c> feature's service: registered only in the containers of tenants that have the feature, so a
/// tenant without it cannot resolve it.
/// </summary>
public sealed class NoteReports(NotesDbContext db)
{
    /// <summary>The tenant's notes counted by the month they were last changed, newest first.</summary>
    public async Task<NoteReport> CreateAsync(CancellationToken cancellationToken)
    {
        var dates = await db.Notes.AsNoTracking().Select(n => n.UpdatedAt).ToListAsync(cancellationToken);
        var months = dates
            .GroupBy(d => new DateOnly(d.Year, d.Month, 1))
            .OrderByDescending(g => g.Key)
            .Select(g => new NoteMonth(g.Key, g.Count()))
            .ToList();
        return new NoteReport(dates.Count, months);
    }
}

/// <summary>A summary of a tenant's notes.</summary>
public sealed record NoteReport(int Total, IReadOnlyList<NoteMonth> Months);

/// <summary>How many notes were last changed in a month.</summary>
public sealed record NoteMonth(DateOnly Month, int Count);
