using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// The shape of a container's own registrations: what decides how its services are made (types, keys, lifetimes,
/// implementation types, and whether each is an instance or a factory), not the values. Containers with equal keys
/// share a <see cref="ContainerPlan"/>.
/// </summary>
internal sealed class PlanKey : IEquatable<PlanKey>
{
    private static readonly object InstanceShape = new();

    private readonly int _ownStart;
    private readonly Entry[] _entries;
    private readonly int _hash;

    public PlanKey(int ownStart, ServiceDescriptor[] own)
    {
        _ownStart = ownStart;
        _entries = new Entry[own.Length];
        var hash = new HashCode();
        hash.Add(ownStart);
        for (var i = 0; i < own.Length; i++)
        {
            var d = own[i];
            var entry = new Entry(
                d.ServiceType,
                d.ServiceKey,
                d.Lifetime,
                Descriptors.Implementation(d),
                Kind(d));
            _entries[i] = entry;
            hash.Add(entry);
        }

        _hash = hash.ToHashCode();
    }

    /// <summary>
    /// A descriptor of the same shape as <paramref name="d"/> with no value of its own: a placeholder instance or a
    /// factory that is never called (a container reads its own instances and factories from its own descriptors).
    /// </summary>
    public static ServiceDescriptor Shape(ServiceDescriptor d)
    {
        return Kind(d) switch
        {
            ShapeKind.Instance => new ServiceDescriptor(d.ServiceType, d.ServiceKey, InstanceShape),
            ShapeKind.Factory => new ServiceDescriptor(d.ServiceType, d.ServiceKey, NotCalled, d.Lifetime),
            _ => d,
        };

        static object NotCalled(IServiceProvider services, object? key)
            => throw new InvalidOperationException("A plan's shape descriptor is never resolved.");
    }

    public bool Equals(PlanKey? other)
    {
        if (other is null || other._hash != _hash || other._ownStart != _ownStart || other._entries.Length != _entries.Length)
        {
            return false;
        }

        return _entries.AsSpan().SequenceEqual(other._entries);
    }

    public override bool Equals(object? obj) => Equals(obj as PlanKey);

    public override int GetHashCode() => _hash;

    private static ShapeKind Kind(ServiceDescriptor d)
        => Descriptors.Instance(d) is not null ? ShapeKind.Instance
            : Descriptors.HasFactory(d) ? ShapeKind.Factory : ShapeKind.Type;

    private enum ShapeKind : byte
    {
        Type,
        Instance,
        Factory,
    }

    private readonly record struct Entry(Type ServiceType, object? Key, ServiceLifetime Lifetime, Type? Implementation, ShapeKind Kind);
}
