namespace TenantKit.Runtime.Container;

/// <summary>A singleton: made once per container, in its root, and disposed with it.</summary>
internal sealed class SingletonSite(ServiceSite inner, int slot) : ServiceSite(inner.ServiceType)
{
    public override bool IsSingleton => true;

    public override object? Resolve(ContainerScope scope) => scope.Root.GetOrCreate(isSingleton: true, slot, inner);
}
