using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>A factory registration. Shared factories are held here; a container's own are read from it.</summary>
internal sealed class FactorySite : ServiceSite
{
    private readonly Func<IServiceProvider, object>? _factory;
    private readonly Func<IServiceProvider, object?, object>? _keyedFactory;
    private readonly int _ownIndex;
    private readonly object? _key;

    public FactorySite(Type serviceType, ServiceDescriptor? shared, int ownIndex, object? key)
        : base(serviceType)
    {
        if (shared is not null)
        {
            _factory = shared.IsKeyedService ? null : shared.ImplementationFactory;
            _keyedFactory = shared.IsKeyedService ? shared.KeyedImplementationFactory : null;
        }

        _ownIndex = ownIndex;
        _key = key;
    }

    public override object? Resolve(ContainerScope scope)
    {
        if (_factory is not null)
        {
            return _factory(scope);
        }

        if (_keyedFactory is not null)
        {
            return _keyedFactory(scope, _key);
        }

        var descriptor = scope.Root.Own[_ownIndex];
        return descriptor.IsKeyedService
            ? descriptor.KeyedImplementationFactory!(scope, _key)
            : descriptor.ImplementationFactory!(scope);
    }
}
