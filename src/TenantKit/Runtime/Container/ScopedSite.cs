namespace TenantKit.Runtime.Container;

/// <summary>A scoped service: made once per scope and disposed with it.</summary>
internal sealed class ScopedSite(ServiceSite inner, int slot) : ServiceSite(inner.ServiceType)
{
    public override bool IsScoped => true;

    public override object? Resolve(ContainerScope scope) => scope.GetOrCreate(isSingleton: false, slot, inner);
}
