namespace TenantKit.Runtime.Container;

/// <summary>A value shared by every container of the plan: the host's forwarded instances, defaults, keys.</summary>
internal sealed class ConstantSite(Type serviceType, object? value) : ServiceSite(serviceType)
{
    public override bool IsSingleton => true;

    public override object? Resolve(ContainerScope scope) => value;
}
