namespace TenantKit.Runtime.Container;

/// <summary>A transient that may be disposable: the scope that made it disposes it.</summary>
internal sealed class TransientSite(ServiceSite inner) : ServiceSite(inner.ServiceType)
{
    public override object? Resolve(ContainerScope scope)
    {
        var value = inner.Resolve(scope);
        if (value is IDisposable or IAsyncDisposable)
        {
            scope.Capture(value);
        }

        return value;
    }
}
