using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Runtime;

namespace TenantKit.Caching;

/// <summary>
/// How the host's <see cref="IDistributedCache"/> (and <see cref="IBufferDistributedCache"/>) registrations reach a
/// tenant container: each becomes a <see cref="TenantDistributedCache"/> (keys prefixed with the tenant) over what the
/// registration gives, with the same service key and lifetime. The template calls it once per registration; the
/// descriptors are shared by every tenant.
/// </summary>
/// <remarks>
/// <para>A host singleton (forwarded as the host's instance) or an instance registration: the tenant's view wraps that
/// one instance, which tenants never dispose. Anything the tenant container builds itself (a scoped or transient
/// registration, or an isolated singleton from <c>IsolateService&lt;IDistributedCache&gt;()</c>): the registration is
/// kept under a private service key, so the tenant container builds, scopes and disposes it as before, and the view
/// over it takes the original key. The cache a tenant registers itself (<c>ConfigureTenantServices</c>) comes later
/// and wins: it is the tenant's own.</para>
/// <para>A registration for <see cref="KeyedService.AnyKey"/> cannot be re-keyed (the key asked for would be lost), and
/// the host cannot hand over its instance for "any key", so resolving it in a tenant throws rather than hand out an
/// unprefixed cache.</para>
/// </remarks>
internal static class TenantCacheDescriptors
{
    /// <summary>
    /// Whether tenant containers replace the host's registrations of <paramref name="type"/> with a prefixed view: the
    /// distributed cache, also where it is registered as the buffer API alone.
    /// </summary>
    public static bool IsPrefixed(Type type) => type == typeof(IDistributedCache) || type == typeof(IBufferDistributedCache);

    /// <summary>Adds to <paramref name="result"/> the registrations that replace <paramref name="descriptor"/>, the <paramref name="index"/>th host registration.</summary>
    public static void AddPrefixed(List<ServiceDescriptor> result, ServiceDescriptor descriptor, int index)
    {
        var type = descriptor.ServiceType;
        var key = descriptor.ServiceKey;
        if (TenantServicesConfiguration.HasInstance(descriptor))
        {
            var instance = (IDistributedCache)(descriptor.IsKeyedService ? descriptor.KeyedImplementationInstance! : descriptor.ImplementationInstance!);
            result.Add(key is null
                ? ServiceDescriptor.Singleton(type, sp => TenantDistributedCache.Create(instance, sp.GetRequiredService<TenantInfo>()))
                : ServiceDescriptor.KeyedSingleton(type, key, (sp, _) => TenantDistributedCache.Create(instance, sp.GetRequiredService<TenantInfo>())));
            return;
        }

        if (Equals(key, KeyedService.AnyKey))
        {
            result.Add(new ServiceDescriptor(type, key, (_, _) => throw new InvalidOperationException(
                "An IDistributedCache registered for KeyedService.AnyKey cannot be given to tenants with their keys prefixed: " +
                "register it once per service key."), descriptor.Lifetime));
            return;
        }

        var inner = new InnerKey(key, index);
        result.Add(Rekey(descriptor, inner));
        result.Add(key is null
            ? new ServiceDescriptor(type, sp => Wrap(sp, type, inner), descriptor.Lifetime)
            : new ServiceDescriptor(type, key, (sp, _) => Wrap(sp, type, inner), descriptor.Lifetime));
    }

    private static TenantDistributedCache Wrap(IServiceProvider services, Type type, InnerKey inner)
        => TenantDistributedCache.Create((IDistributedCache)services.GetRequiredKeyedService(type, inner), services.GetRequiredService<TenantInfo>());

    /// <summary>The same registration under <paramref name="inner"/>: same lifetime, type or factory (given its original key).</summary>
    private static ServiceDescriptor Rekey(ServiceDescriptor descriptor, InnerKey inner)
    {
        var type = descriptor.ServiceType;
        if (descriptor.IsKeyedService)
        {
            if (descriptor.KeyedImplementationType is { } keyedType)
            {
                return new ServiceDescriptor(type, inner, keyedType, descriptor.Lifetime);
            }

            var keyedFactory = descriptor.KeyedImplementationFactory!;
            var key = descriptor.ServiceKey;
            return new ServiceDescriptor(type, inner, (sp, _) => keyedFactory(sp, key), descriptor.Lifetime);
        }

        if (descriptor.ImplementationType is { } implementation)
        {
            return new ServiceDescriptor(type, inner, implementation, descriptor.Lifetime);
        }

        var factory = descriptor.ImplementationFactory!;
        return new ServiceDescriptor(type, inner, (sp, _) => factory(sp), descriptor.Lifetime);
    }

    /// <summary>The private service key of the <paramref name="Index"/>th host registration (service key <paramref name="Key"/>) inside a tenant.</summary>
    private sealed record InnerKey(object? Key, int Index);
}
