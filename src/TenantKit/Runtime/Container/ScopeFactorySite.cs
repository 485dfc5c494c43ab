namespace TenantKit.Runtime.Container;

/// <summary>The scope factory: the container's root.</summary>
internal sealed class ScopeFactorySite(Type serviceType) : ServiceSite(serviceType)
{
    public override bool IsSingleton => true;

    public override object? Resolve(ContainerScope scope) => scope.Root;
}
