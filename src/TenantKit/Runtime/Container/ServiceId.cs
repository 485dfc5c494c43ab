namespace TenantKit.Runtime.Container;

/// <summary>A service as it is asked for: its type and, for a keyed service, its key.</summary>
internal readonly record struct ServiceId(Type Type, object? Key)
{
    public override string ToString() => Key is null ? Type.ToString() : $"{Type} (key '{Key}')";
}
