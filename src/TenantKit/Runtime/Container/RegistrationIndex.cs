using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// What a plan's registrations answer for: the registrations of each service (type and key), found as a container
/// finds them (its own, else for a key the <see cref="KeyedService.AnyKey"/> ones), and the container's
/// <see cref="IServiceProviderIsService"/> answer from them without planning anything.
/// </summary>
internal sealed class RegistrationIndex : IServiceProviderIsKeyedService
{
    private readonly Dictionary<ServiceId, int[]> _registrations;

    /// <param name="descriptors">The registrations, in order; each is checked as Microsoft's provider checks it when built.</param>
    public RegistrationIndex(ServiceDescriptor[] descriptors)
    {
        _registrations = new Dictionary<ServiceId, int[]>(descriptors.Length);
        var lists = new Dictionary<ServiceId, List<int>>(descriptors.Length);
        for (var i = 0; i < descriptors.Length; i++)
        {
            var d = descriptors[i];
            Descriptors.Check(d);
            var id = new ServiceId(d.ServiceType, d.ServiceKey);
            if (!lists.TryGetValue(id, out var list))
            {
                lists[id] = list = new List<int>(1);
            }

            list.Add(i);
        }

        foreach (var (id, list) in lists)
        {
            _registrations[id] = [.. list];
        }
    }

    /// <summary>The registrations answering for <paramref name="id"/>, in order: its own, else (for a key) the any-key ones.</summary>
    public int[]? Find(ServiceId id)
        => _registrations.TryGetValue(id, out var indexes)
            || (id.Key is not null && _registrations.TryGetValue(id with { Key = KeyedService.AnyKey }, out indexes))
            ? indexes
            : null;

    public bool IsService(Type serviceType) => IsKeyedService(serviceType, null);

    public bool IsKeyedService(Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceType.IsGenericTypeDefinition)
        {
            return false;
        }

        if (serviceKey is null && ServiceTypes.IsBuiltIn(serviceType))
        {
            return true;
        }

        if (Find(new ServiceId(serviceType, serviceKey)) is not null)
        {
            return true;
        }

        if (serviceType.IsConstructedGenericType)
        {
            var definition = serviceType.GetGenericTypeDefinition();
            return definition == typeof(IEnumerable<>) || Find(new ServiceId(definition, serviceKey)) is not null;
        }

        return false;
    }
}
