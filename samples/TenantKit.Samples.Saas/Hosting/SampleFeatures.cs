using TenantKit.Samples.Saas.Tenancy;

namespace TenantKit.Samples.Saas.Hosting;

/// <summary>
/// The sample's features and plans. A tenant's plan is its <c>TenantKit:Plan</c> property (the one the rate limiter
/// reads too, see <see cref="SamplePlans"/>); the console adds and removes features per tenant.
/// </summary>
public static class SampleFeatures
{
    /// <summary>The Reports page: a summary of the tenant's notes. In the <c>pro</c> plan.</summary>
    public const string Reports = "reports";

    /// <summary>Each plan with its features.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Plans = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        [SamplePlans.DefaultPlan] = [],
        ["pro"] = [Reports],
    };

    /// <summary>Declares the features and plans.</summary>
    public static TenantKitBuilder AddSampleFeatures(this TenantKitBuilder tenants)
    {
        tenants.AddFeature(Reports, f => f
            .Describe("Reports: a summary of the tenant's notes")
            .ConfigureServices(services => services.AddScoped<NoteReports>()));
        foreach (var (plan, features) in Plans)
        {
            tenants.AddPlan(plan, features);
        }

        return tenants;
    }
}
