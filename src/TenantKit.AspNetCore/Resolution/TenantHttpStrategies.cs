namespace TenantKit.AspNetCore.Resolution;

/// <summary>
/// The HTTP strategies the middleware must know beyond their answer: path-base strategies (to rebase the path of a
/// served request) and claim strategies (authoritative: checked after any other strategy answered).
/// </summary>
internal sealed class TenantHttpStrategies
{
    public List<PathBaseTenantStrategy> PathBase { get; } = [];

    public List<ClaimTenantStrategy> Claims { get; } = [];

    /// <summary>The host strategies, whose templates tell host filtering which host names are tenants'.</summary>
    public List<HostTenantStrategy> Hosts { get; } = [];
}
