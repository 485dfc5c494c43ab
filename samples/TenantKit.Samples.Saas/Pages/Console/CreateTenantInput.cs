using System.ComponentModel.DataAnnotations;

namespace TenantKit.Samples.Saas.Pages.Console;

/// <summary>The host console's "new tenant" form.</summary>
public sealed class CreateTenantInput
{
    [Required(ErrorMessage = "Choose an identifier: it is the tenant's sub-domain.")]
    public string? Identifier { get; set; }

    [StringLength(TenantInfo.MaxNameLength)]
    public string? Name { get; set; }

    [StringLength(200)]
    public string? Tagline { get; set; }

    public string? Color { get; set; } = "#2b8a3e";

    public string Plan { get; set; } = Hosting.SamplePlans.DefaultPlan;

    public bool OwnDatabase { get; set; }

    /// <summary>The e-mail address of the tenant's first administrator; none: a tenant without users yet.</summary>
    public string? AdministratorEmail { get; set; }

    /// <summary>The first administrator's password, checked by the new tenant's Identity rules.</summary>
    public string? AdministratorPassword { get; set; }
}
