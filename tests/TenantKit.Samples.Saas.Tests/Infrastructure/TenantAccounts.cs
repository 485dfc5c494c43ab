using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Infrastructure;

/// <summary>Signs in and up at a tenant as its people do, with the forms of the sample's account pages.</summary>
public static class TenantAccounts
{
    /// <summary>acme's seeded administrator (the README's tour).</summary>
    public const string AcmeAdmin = "wile@acme.example";

    public const string AcmeAdminPassword = "Anvils-1949";

    /// <summary>acme's seeded member.</summary>
    public const string AcmeMember = "road@acme.example";

    public const string AcmeMemberPassword = "Beep-beep-1";

    /// <summary>globex's seeded administrator.</summary>
    public const string GlobexAdmin = "hank@globex.example";

    public const string GlobexAdminPassword = "Hammocks-1";

    /// <summary>Posts the sign-in form at <paramref name="tenant"/>; a redirect when it worked (the client keeps the cookie).</summary>
    public static Task<HttpResponseMessage> SignInAtAsync(this HttpClient client, string tenant, string email, string password)
        => client.PostFormAsync(At(tenant, "/account/signin"), At(tenant, "/account/signin"), ("Input.Email", email), ("Input.Password", password));

    /// <summary>Posts the sign-up form at <paramref name="tenant"/>.</summary>
    public static Task<HttpResponseMessage> SignUpAtAsync(this HttpClient client, string tenant, string email, string password)
        => client.PostFormAsync(At(tenant, "/account/signup"), At(tenant, "/account/signup"), ("Input.Email", email), ("Input.Password", password));

    /// <summary>Signs in as the seeded administrator of acme or globex, asserting it worked.</summary>
    public static async Task SignInAsSeededAsync(this HttpClient client, string tenant)
    {
        var (email, password) = tenant switch
        {
            "acme" => (AcmeAdmin, AcmeAdminPassword),
            "globex" => (GlobexAdmin, GlobexAdminPassword),
            _ => throw new ArgumentOutOfRangeException(nameof(tenant), tenant, "Only acme and globex have seeded users."),
        };
        using var response = await client.SignInAtAsync(tenant, email, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Sign-in at {tenant} answered {(int)response.StatusCode}.");
    }
}
