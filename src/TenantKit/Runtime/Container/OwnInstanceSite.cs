using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>An instance each container registered itself (the tenant, its options): read from the container.</summary>
internal sealed class OwnInstanceSite(Type serviceType, int index) : ServiceSite(serviceType)
{
    public override bool IsSingleton => true;

    public override object? Resolve(ContainerScope scope)
    {
        var descriptor = scope.Root.Own[index];
        return descriptor.IsKeyedService ? descriptor.KeyedImplementationInstance : descriptor.ImplementationInstance;
    }
}
