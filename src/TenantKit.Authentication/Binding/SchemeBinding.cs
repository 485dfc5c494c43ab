using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Authentication;

namespace TenantKit.Authentication.Binding;

/// <summary>
/// What a scheme's options instance may do, decided when the options were built: serve one tenant (the one whose
/// container built them, with that tenant's settings), or nothing. Kept beside the options instance, not in it, so a
/// handler reads the decision made for the very options it was given: every tenant container builds its own options
/// instance, so a decision never crosses tenants.
/// </summary>
internal sealed class SchemeBinding
{
    /// <summary>The property a ticket or state issued under a tenant's settings carries, holding the tenant id.</summary>
    public const string TenantProperty = ".tenantkit.tenant";

    private static readonly ConditionalWeakTable<AuthenticationSchemeOptions, SchemeBinding> Bindings = new();

    private SchemeBinding(TenantInfo? tenant, IReadOnlyList<string> problems)
    {
        Tenant = tenant;
        Problems = problems;
    }

    /// <summary>The tenant the options serve, or <see langword="null"/> when they serve nothing.</summary>
    public TenantInfo? Tenant { get; }

    /// <summary>Why the options serve nothing: empty when the tenant simply has no settings (or for the host).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Whether the options serve a tenant.</summary>
    [MemberNotNullWhen(true, nameof(Tenant))]
    public bool IsActive => Tenant is not null;

    /// <summary>Marks <paramref name="options"/> as serving <paramref name="tenant"/> only.</summary>
    public static void Activate(AuthenticationSchemeOptions options, TenantInfo tenant)
        => Bindings.AddOrUpdate(options, new SchemeBinding(tenant, []));

    /// <summary>Marks <paramref name="options"/> as serving nothing.</summary>
    public static void Deactivate(AuthenticationSchemeOptions options, IReadOnlyList<string> problems)
        => Bindings.AddOrUpdate(options, new SchemeBinding(null, problems));

    /// <summary>
    /// The decision made for <paramref name="options"/>. Options that no TenantKit setup saw (which cannot happen for a
    /// tenant-managed scheme) serve nothing.
    /// </summary>
    public static SchemeBinding Of(AuthenticationSchemeOptions options)
        => Bindings.TryGetValue(options, out var binding) ? binding : new SchemeBinding(null, ["The options were not built by TenantKit."]);

    /// <summary>
    /// Whether the request is served for the tenant these options were built for: the handler was resolved from that
    /// tenant's container and the request's tenant is the same one.
    /// </summary>
    [MemberNotNullWhen(true, nameof(Tenant))]
    public bool Serves(HttpContext context) => IsActive && string.Equals(context.GetTenant()?.Id, Tenant.Id, StringComparison.Ordinal);
}
