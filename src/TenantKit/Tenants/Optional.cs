namespace TenantKit;

/// <summary>A value that may be absent, to tell "leave unchanged" from "set to null".</summary>
internal readonly struct Optional<T>
{
    public Optional(T value)
    {
        Value = value;
        HasValue = true;
    }

    public T Value { get; }

    public bool HasValue { get; }
}
