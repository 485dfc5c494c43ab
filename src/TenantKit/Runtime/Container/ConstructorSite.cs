using System.Reflection;

namespace TenantKit.Runtime.Container;

/// <summary>A type made by its constructor, its arguments resolved by their own sites.</summary>
internal sealed class ConstructorSite(Type serviceType, ConstructorInfo constructor, ServiceSite[] arguments)
    : ServiceSite(serviceType)
{
    private readonly ConstructorInvoker _invoker = ConstructorInvoker.Create(constructor);

    public ConstructorInfo Constructor { get; } = constructor;

    public override object? Resolve(ContainerScope scope)
    {
        var args = arguments;
        switch (args.Length)
        {
            case 0:
                return _invoker.Invoke();
            case 1:
                return _invoker.Invoke(args[0].Resolve(scope));
            case 2:
                return _invoker.Invoke(args[0].Resolve(scope), args[1].Resolve(scope));
            case 3:
                return _invoker.Invoke(args[0].Resolve(scope), args[1].Resolve(scope), args[2].Resolve(scope));
            case 4:
                return _invoker.Invoke(
                    args[0].Resolve(scope), args[1].Resolve(scope), args[2].Resolve(scope), args[3].Resolve(scope));
            default:
                var values = new object?[args.Length];
                for (var i = 0; i < args.Length; i++)
                {
                    values[i] = args[i].Resolve(scope);
                }

                return _invoker.Invoke(values.AsSpan());
        }
    }
}
