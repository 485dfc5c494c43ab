using Microsoft.Extensions.DependencyInjection;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Infrastructure;

/// <summary>Drives the host console as a signed-in host would, and reads the catalog as the host.</summary>
public static class HostConsole
{
    public const string UserName = "admin";
    public const string Password = "tenantkit";

    public static readonly string Url = Host("/console");

    /// <summary>Signs in with the account of appsettings.json; the client keeps the cookie.</summary>
    public static async Task SignInAsync(this HttpClient client)
    {
        using var response = await client.PostFormAsync(Host("/console/signin"), Host("/console/signin"), ("Input.UserName", UserName), ("Input.Password", Password));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    /// <summary>Posts one of the console's actions (<c>Suspend</c>, <c>Unload</c>...) for a tenant and returns the console page it leads to.</summary>
    public static async Task<string> ActAsync(this HttpClient client, string handler, TenantInfo tenant, params (string Name, string Value)[] more)
    {
        using var response = await client.PostFormAsync(Url, $"{Url}?handler={handler}", [("id", tenant.Id), ("version", tenant.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. more]);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return await client.HtmlAsync(Host(response.Headers.Location!.OriginalString));
    }

    /// <summary>Creates a tenant with the console's form and returns the response (a redirect when it worked).</summary>
    public static Task<HttpResponseMessage> CreateTenantAsync(this HttpClient client, string identifier, string name = "", bool ownDatabase = false, string plan = "free")
    {
        var fields = new List<(string, string)>
        {
            ("create.Identifier", identifier),
            ("create.Name", name),
            ("create.Tagline", "Made in a test"),
            ("create.Color", "#2b8a3e"),
            ("create.Plan", plan),
        };
        if (ownDatabase)
        {
            fields.Add(("create.OwnDatabase", "true"));
        }

        return client.PostFormAsync(Url, Url + "?handler=Create", [.. fields]);
    }

    /// <summary>The tenant as the catalog's store has it now, read as the host.</summary>
    public static async Task<TenantInfo?> FindTenantAsync(this SampleApp app, string identifier)
    {
        var accessor = app.Services.GetRequiredService<ITenantContextAccessor>();
        using (accessor.BeginHostScope())
        {
            return await app.Services.GetRequiredService<ITenantAdministration>().FindByIdentifierAsync(identifier);
        }
    }

    public static async Task<TenantInfo> TenantAsync(this SampleApp app, string identifier)
        => await app.FindTenantAsync(identifier) ?? throw new InvalidOperationException($"No tenant '{identifier}'.");

    public static TenantRuntimeStatus? Status(this SampleApp app, TenantInfo tenant)
        => app.Services.GetRequiredService<ITenantRuntime>().GetStatus(tenant.Id);
}
