using System.Diagnostics.CodeAnalysis;

namespace TenantKit.Runtime.Container;

/// <summary>Every registration of an element type, in registration order, as an array.</summary>
internal sealed class EnumerableSite : ServiceSite
{
    private readonly Type _arrayType;

    [UnconditionalSuppressMessage(
        "AOT",
        "IL3050:RequiresDynamicCode",
        Justification = "Without dynamic code the plan refuses an enumerable of a value type before making this site " +
            "(ServiceTypes.CheckEnumerableElement); arrays of reference types share native code.")]
    public EnumerableSite(Type serviceType, Type elementType, ServiceSite[] items)
        : base(serviceType)
    {
        _arrayType = elementType.MakeArrayType();
        Items = items;
    }

    public ServiceSite[] Items { get; }

    public override object? Resolve(ContainerScope scope)
    {
        var items = Items;
        var result = Array.CreateInstanceFromArrayType(_arrayType, items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            result.SetValue(items[i].Resolve(scope), i);
        }

        return result;
    }
}
