using System.Reflection;
using System.Security.Claims;

namespace TenantKit.Identity.Binding;

/// <summary>
/// Wraps the application's claims-principal factory and adds the tenant claim (<see cref="TenantIdentityClaimTypes.TenantId"/>)
/// to every principal made inside a tenant. Any tenant claim the inner factory produced (a user claim stored under that
/// type) is removed first, so a stored claim can never name another tenant.
/// </summary>
internal sealed class TenantUserClaimsPrincipalFactory<TUser>(IUserClaimsPrincipalFactory<TUser> inner, TenantInfo? tenant)
    : IUserClaimsPrincipalFactory<TUser>
    where TUser : class
{
    public IUserClaimsPrincipalFactory<TUser> Inner { get; } = inner;

    public async Task<ClaimsPrincipal> CreateAsync(TUser user)
    {
        var principal = await Inner.CreateAsync(user).ConfigureAwait(false);
        foreach (var identity in principal.Identities)
        {
            foreach (var claim in identity.FindAll(TenantIdentityClaimTypes.TenantId).ToList())
            {
                identity.RemoveClaim(claim);
            }
        }

        if (tenant is not null && principal.Identities.FirstOrDefault() is { } first)
        {
            first.AddClaim(new Claim(TenantIdentityClaimTypes.TenantId, tenant.Id));
        }

        return principal;
    }
}

/// <summary>Binds the constructor of <see cref="TenantUserClaimsPrincipalFactory{TUser}"/> for a user type known at run time.</summary>
internal static class TenantUserClaimsPrincipalFactory
{
    public static Func<object, TenantInfo?, object> Constructor(Type userType)
        => typeof(TenantUserClaimsPrincipalFactory).GetMethod(nameof(Create), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(userType)
            .CreateDelegate<Func<object, TenantInfo?, object>>();

    private static object Create<TUser>(object inner, TenantInfo? tenant)
        where TUser : class
        => new TenantUserClaimsPrincipalFactory<TUser>((IUserClaimsPrincipalFactory<TUser>)inner, tenant);
}
