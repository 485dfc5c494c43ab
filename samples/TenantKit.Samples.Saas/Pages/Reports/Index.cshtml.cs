using Microsoft.AspNetCore.Mvc.RazorPages;
using TenantKit.AspNetCore;
using TenantKit.Samples.Saas.Hosting;
using TenantKit.Samples.Saas.Tenancy;

namespace TenantKit.Samples.Saas.Pages.Reports;

/// <summary>
/// <c>/reports</c>: the <c>reports</c> feature's page. A tenant without the feature gets 404, the same answer as a path
/// that does not exist; its container has no <see cref="NoteReports"/> either.
/// </summary>
[RequireFeature(SampleFeatures.Reports)]
public sealed class IndexModel(NoteReports reports) : PageModel
{
    public NoteReport Report { get; private set; } = new(0, []);

    public async Task OnGetAsync(CancellationToken cancellationToken) => Report = await reports.CreateAsync(cancellationToken);
}
