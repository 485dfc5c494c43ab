namespace TenantKit.Runtime.Container;

/// <summary>The provider itself: the scope the resolution runs in.</summary>
internal sealed class ProviderSite(Type serviceType) : ServiceSite(serviceType)
{
    public override object? Resolve(ContainerScope scope) => scope;
}
