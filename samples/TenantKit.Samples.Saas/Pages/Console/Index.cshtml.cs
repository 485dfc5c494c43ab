using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using TenantKit.AspNetCore;
using TenantKit.Samples.Saas.Data;
using TenantKit.Samples.Saas.Hosting;
using TenantKit.Samples.Saas.Tenancy;
using TenantKit.Catalog;
using TenantKit.Features;
using TenantKit.Runtime;

namespace TenantKit.Samples.Saas.Pages.Console;

/// <summary>
/// <c>/console</c>: the host (super tenant) console. Every tenant with its state and its place in memory, and the
/// actions only the host may take. Reserved to the host name (<see cref="RequireHostAttribute"/>: a tenant gets 403)
/// and to the signed-in host user (the folder is authorized in Program.cs). Administration calls run inside an
/// explicit host scope, as <see cref="ITenantAdministration"/> demands.
/// </summary>
[RequireHost]
public sealed class IndexModel(
    ITenantAdministration administration,
    ITenantRuntime runtime,
    ITenantContextAccessor accessor,
    IDbContextFactory<NotesDbContext> notes,
    ITenantFeatureAdministration features,
    TenantFeatureRegistry registry,
    SamplePlans plans,
    TimeProvider time) : PageModel
{
    public IReadOnlyList<TenantRow> Tenants { get; private set; } = [];

    public TenantRuntimeCounts Counts { get; private set; }

    public SamplePlans Plans => plans;

    /// <summary>The declared features, for the console's toggles.</summary>
    public IReadOnlyList<TenantFeatureDefinition> Features => registry.Features;

    public CreateTenantInput Create { get; private set; } = new();

    /// <summary>Seconds between automatic reloads of the page, or <see langword="null"/>.</summary>
    [BindProperty(SupportsGet = true)]
    public int? Refresh { get; set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Error { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CreateTenantInput create, CancellationToken cancellationToken)
    {
        Create = create;
        if (create.Color is { Length: > 0 } color && !BrandingOptions.IsColor(color))
        {
            ModelState.AddModelError("Create.Color", "Use a colour like #2b8a3e.");
        }

        if (!plans.Limits.ContainsKey(create.Plan))
        {
            ModelState.AddModelError("Create.Plan", "Choose one of the plans.");
        }

        if (ModelState.IsValid)
        {
            try
            {
                using (accessor.BeginHostScope())
                {
                    var tenant = await administration.CreateAsync(
                        new TenantDraft(create.Identifier!.Trim())
                        {
                            Name = string.IsNullOrWhiteSpace(create.Name) ? null : create.Name.Trim(),
                            Properties = SampleTenants.Properties(create.Color, create.Tagline, create.Plan.ToLowerInvariant(), create.OwnDatabase),
                        },
                        cancellationToken);
                    Message = $"Created {tenant.Identifier}: {HostUrl(tenant)}";
                }

                return RedirectToPage(new { Refresh });
            }
            catch (InvalidTenantIdentifierException ex)
            {
                ModelState.AddModelError("Create.Identifier", ex.Reason);
            }
            catch (TenantAlreadyExistsException)
            {
                ModelState.AddModelError("Create.Identifier", "A tenant with this identifier exists already.");
            }
            catch (TenantValidationException ex)
            {
                foreach (var (field, messages) in ex.Errors)
                {
                    foreach (var message in messages)
                    {
                        ModelState.AddModelError("Create." + Capitalize(field), message);
                    }
                }
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostSuspendAsync(string id, long version, CancellationToken cancellationToken)
        => ActAsync(async () => $"Suspended {(await administration.SuspendAsync(id, version, cancellationToken)).Identifier}.");

    public Task<IActionResult> OnPostResumeAsync(string id, long version, CancellationToken cancellationToken)
        => ActAsync(async () => $"Resumed {(await administration.ResumeAsync(id, version, cancellationToken)).Identifier}.");

    public Task<IActionResult> OnPostEnableFeatureAsync(string id, string feature, long version, CancellationToken cancellationToken)
        => ActAsync(async () =>
        {
            var tenant = await features.EnableFeatureAsync(id, feature, version, enableDependencies: true, cancellationToken: cancellationToken);
            return $"Enabled {feature} for {tenant.Identifier}: its next request gets a new generation with it.";
        });

    public Task<IActionResult> OnPostDisableFeatureAsync(string id, string feature, long version, CancellationToken cancellationToken)
        => ActAsync(async () =>
        {
            var tenant = await features.DisableFeatureAsync(id, feature, version, cancellationToken);
            return $"Disabled {feature} for {tenant.Identifier}: its next request gets a new generation without it.";
        });

    public Task<IActionResult> OnPostReloadAsync(string id, CancellationToken cancellationToken)
        => ActAsync(async () =>
        {
            var tenant = await RequireAsync(id, cancellationToken);
            await administration.RequestReloadAsync(id, cancellationToken);
            return $"Asked {tenant.Identifier} to reload: its next request gets a new generation.";
        });

    public Task<IActionResult> OnPostLoadAsync(string id, CancellationToken cancellationToken)
        => ActAsync(async () =>
        {
            var tenant = await RequireAsync(id, cancellationToken);
            await runtime.LoadAsync(tenant, cancellationToken);
            return $"Loaded {tenant.Identifier}.";
        });

    public Task<IActionResult> OnPostUnloadAsync(string id, CancellationToken cancellationToken)
        => ActAsync(async () =>
        {
            var tenant = await RequireAsync(id, cancellationToken);
            return runtime.Unload(id) ? $"Unloaded {tenant.Identifier}." : $"{tenant.Identifier} was not in memory.";
        });

    public Task<IActionResult> OnPostDeleteAsync(string id, long version, CancellationToken cancellationToken)
        => ActAsync(async () =>
        {
            var tenant = await RequireAsync(id, cancellationToken);
            await administration.DeleteAsync(id, version, cancellationToken);
            if (SampleTenants.HasOwnDatabase(tenant))
            {
                return $"Deleted {tenant.Identifier}. Its own database is left in place; no later tenant can reach it (ids are never reused).";
            }

            // The host, in its host scope, may act across tenants: remove the tenant's rows from the shared tables.
            await using var db = await notes.CreateDbContextAsync(cancellationToken);
            var removed = await db.Notes.Where(n => n.TenantId == tenant.Id).ExecuteDeleteAsync(cancellationToken);
            return string.Create(CultureInfo.InvariantCulture, $"Deleted {tenant.Identifier} and its {removed} note(s).");
        });

    /// <summary>The tenant's address by host name, on this server's port.</summary>
    public string HostUrl(TenantInfo tenant)
    {
        var port = Request.Host.Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : string.Empty;
        return $"{Request.Scheme}://{tenant.Identifier}.localhost{port}/";
    }

    /// <summary>The tenant's address by path, on this host name.</summary>
    public string PathUrl(TenantInfo tenant) => $"{Request.PathBase}/t/{tenant.Identifier}/";

    public string Ago(DateTimeOffset? moment)
        => moment is { } m ? Durations.Format(time.GetUtcNow() - m) + " ago" : "–";

    private async Task<IActionResult> ActAsync(Func<Task<string>> action)
    {
        try
        {
            using (accessor.BeginHostScope())
            {
                Message = await action();
            }
        }
        catch (TenantConcurrencyException)
        {
            Error = "The tenant changed since this page was shown. Look at it again and retry.";
        }
        catch (TenantNotFoundException)
        {
            Error = "That tenant does not exist any more.";
        }
        catch (TenantKitException ex)
        {
            Error = ex.Message;
        }

        return RedirectToPage(new { Refresh });
    }

    private async Task<TenantInfo> RequireAsync(string id, CancellationToken cancellationToken)
        => await administration.GetAsync(id, cancellationToken) ?? throw new TenantNotFoundException(id);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (Refresh is { } seconds)
        {
            Refresh = Math.Clamp(seconds, 1, 3600);
        }

        TenantPage page;
        using (accessor.BeginHostScope())
        {
            page = await administration.ListAsync(new TenantQuery { Take = TenantQuery.MaxTake }, cancellationToken);
        }

        Tenants = [.. page.Items.Select(t => new TenantRow(t, runtime.GetStatus(t.Id), plans.PlanOf(t), SampleTenants.HasOwnDatabase(t), FeaturesOf(t)))];
        Counts = runtime.Counts;
    }

    /// <summary>The tenant's features as its catalog entry says (its next generation's), or none if they are invalid.</summary>
    private ITenantFeatures? FeaturesOf(TenantInfo tenant)
    {
        try
        {
            return registry.GetFeatures(tenant);
        }
        catch (TenantValidationException)
        {
            return null;
        }
    }

    private static string Capitalize(string field) => field.Length == 0 ? field : char.ToUpperInvariant(field[0]) + field[1..];
}

/// <summary>One line of the console's table.</summary>
public sealed record TenantRow(TenantInfo Tenant, TenantRuntimeStatus? Status, string Plan, bool OwnDatabase, ITenantFeatures? Features)
{
    public bool IsResident => Status?.IsResident == true;
}
