using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// A singleton or scoped service of a <see cref="KeyedService.AnyKey"/> registration asked for under a key: kept by
/// the container (or scope) under that key rather than in a slot of the shared plan, so keys asked at run time do not
/// grow every tenant's slot arrays.
/// </summary>
internal sealed class KeyedCacheSite(ServiceSite inner, bool isSingleton, (int Index, Type ServiceType, object Key) id)
    : ServiceSite(inner.ServiceType)
{
    public override bool IsSingleton => isSingleton;

    public override bool IsScoped => !isSingleton;

    public override object? Resolve(ContainerScope scope)
        => (isSingleton ? scope.Root : scope).GetOrCreateKeyed(id, inner);
}
