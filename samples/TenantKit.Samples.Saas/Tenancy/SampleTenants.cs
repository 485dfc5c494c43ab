using TenantKit.Data;
namespace TenantKit.Samples.Saas.Tenancy;

/// <summary>The tenant properties the sample uses, and how a new tenant's properties are made.</summary>
public static class SampleTenants
{
    public const string ColorProperty = "Branding:Color";
    public const string TaglineProperty = "Branding:Tagline";

    /// <summary>The properties of a new tenant.</summary>
    public static Dictionary<string, string> Properties(string? color, string? tagline, string plan, bool ownDatabase)
    {
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [Hosting.SamplePlans.PlanProperty] = plan };
        if (!string.IsNullOrWhiteSpace(color))
        {
            properties[ColorProperty] = color.Trim();
        }

        if (!string.IsNullOrWhiteSpace(tagline))
        {
            properties[TaglineProperty] = tagline.Trim();
        }

        if (ownDatabase)
        {
            properties[TenantDataOptions.IsolationProperty] = nameof(TenantIsolationModel.DatabasePerTenant);
        }

        return properties;
    }

    /// <summary><see langword="true"/> when the tenant keeps its rows in a database of its own.</summary>
    public static bool HasOwnDatabase(TenantInfo tenant)
        => string.Equals(tenant.GetProperty(TenantDataOptions.IsolationProperty), nameof(TenantIsolationModel.DatabasePerTenant), StringComparison.OrdinalIgnoreCase);
}
